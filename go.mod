module github.com/udpool/udpool

go 1.26
