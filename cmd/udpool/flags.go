package main

import (
	"flag"

	"github.com/udpool/udpool/udptest"
)

// behaviorFlags defines the simulated device's flags on fs, with b's values
// as defaults, writing into b.
func behaviorFlags(fs *flag.FlagSet, b *udptest.Behavior) {
	fs.Float64Var(&b.ReplyLoss, "loss", b.ReplyLoss, "share of replies the device drops, 0 to 1")
	fs.Float64Var(&b.RequestLoss, "request-loss", b.RequestLoss, "share of requests the device never sees, 0 to 1")
	fs.DurationVar(&b.Delay, "delay", b.Delay, "the device's processing time per request")
	fs.DurationVar(&b.Jitter, "jitter", b.Jitter, "random extra processing time, up to this")
	fs.Float64Var(&b.LateShare, "late", b.LateShare, "share of replies sent late, 0 to 1")
	fs.DurationVar(&b.LateDelay, "late-delay", b.LateDelay, "how late a late reply is")
	fs.Float64Var(&b.DuplicateShare, "duplicates", b.DuplicateShare, "share of replies sent twice, 0 to 1")
	fs.Float64Var(&b.ReorderShare, "reorder", b.ReorderShare, "share of replies overtaken by the next, 0 to 1")
	fs.IntVar(&b.Workers, "workers", b.Workers, "requests the device processes at once (0: no limit)")
	fs.IntVar(&b.QueueLen, "queue", b.QueueLen, "requests waiting for a worker before the device drops them")
	fs.Float64Var(&b.Rate, "rate", b.Rate, "requests per second the device admits (0: no limit)")
}

// flagGiven reports whether the flag name was given on the command
// line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
