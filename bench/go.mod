module github.com/udpool/udpool/bench

go 1.26.0

replace github.com/udpool/udpool => ../

require (
	github.com/jackc/puddle/v2 v2.2.4
	github.com/jolestar/go-commons-pool/v2 v2.1.2
	github.com/udpool/udpool v0.0.0-00010101000000-000000000000
)

require golang.org/x/sync v0.1.0 // indirect
