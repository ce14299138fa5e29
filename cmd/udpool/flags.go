package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"

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

// parseArgs parses a command's flags. ok is false when the command should
// stop at once with code: 0 after -h, 2 for a bad flag or a stray argument.
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, false
		}
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "udpool %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// flagGiven reports whether the flag name was given on the command
// line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// behaviorFlagNames maps udptest.Behavior fields to the flags that set them.
var behaviorFlagNames = map[string]string{
	"ReplyLoss": "-loss", "RequestLoss": "-request-loss", "Delay": "-delay", "Jitter": "-jitter",
	"LateShare": "-late", "LateDelay": "-late-delay", "DuplicateShare": "-duplicates",
	"ReorderShare": "-reorder", "Workers": "-workers", "QueueLen": "-queue", "Rate": "-rate",
}

// checkBehavior reports the first device flag out of range, by its flag's
// name: the device's own check, in the command's words.
func checkBehavior(b udptest.Behavior) error {
	err := b.Validate()
	var be *udptest.BehaviorError
	if !errors.As(err, &be) || behaviorFlagNames[be.Field] == "" {
		return err
	}
	name := behaviorFlagNames[be.Field]
	if be.Needs != "" {
		return fmt.Errorf("%s needs %s: %s", name, behaviorFlagNames[be.Needs], be.Problem)
	}
	return fmt.Errorf("%s %s, got %v", name, be.Problem, be.Value)
}

// loopbackUnlessTold turns a bare ":port" into "127.0.0.1:port": what the
// command listens on is loopback unless a host is given.
func loopbackUnlessTold(flagName, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%s must be host:port or :port, got %q", flagName, addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// output is a file a command writes when it ends. It is created when the
// command starts, so that a path that cannot be written fails at once
// rather than after the run.
type output struct{ f *os.File }

// createOutput creates the file at path for the flag named; no path, no
// file.
func createOutput(flagName, path string) (*output, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flagName, err)
	}
	return &output{f}, nil
}

// write writes the file with fn and closes it; a nil output writes nothing.
func (o *output) write(fn func(io.Writer) error) error {
	if o == nil {
		return nil
	}
	err := fn(o.f)
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// discard closes and removes a file that will not be written.
func (o *output) discard() {
	if o != nil {
		o.f.Close()
		os.Remove(o.f.Name())
	}
}

// errInterrupted ends a run cut short by SIGINT or SIGTERM, after what was
// measured is shown.
var errInterrupted = errors.New("interrupted")
