package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/udpool/udpool/metrics/prom"
	"github.com/udpool/udpool/udptest"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := udptest.Config{}
	fs.StringVar(&cfg.Addr, "listen", "127.0.0.1:9998", "address to listen on (a bare :port binds to loopback)")
	prefix := fs.String("prefix", "", "reply with this text before the request (default: echo the request as is)")
	fs.IntVar(&cfg.IDOffset, "id-offset", 0, "offset of a request ID the device copies into its replies")
	fs.IntVar(&cfg.IDLen, "id-len", 0, "length of that request ID in bytes (0: none)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the device's randomness (0: random)")
	every := fs.Duration("every", 5*time.Second, "how often to print the counts (0: only on exit)")
	behaviorFlags(fs, &cfg.Behavior)
	var obs observeFlags
	obs.define(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: udpool serve [flags]

Runs the simulated UDP device: it echoes each request (after -prefix), and
loses, delays, duplicates and reorders replies as the flags say. It prints
its counts every -every and on exit; SIGINT or SIGTERM stop it.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(fs, args, stderr); !ok {
		return code
	}
	if *every < 0 {
		fmt.Fprintf(stderr, "udpool serve: -every must not be negative, got %v\n", *every)
		return 2
	}
	if *prefix != "" {
		cfg.Prefix = []byte(*prefix)
	}
	var err error
	switch {
	case cfg.IDOffset < 0:
		err = fmt.Errorf("-id-offset must not be negative, got %d", cfg.IDOffset)
	case cfg.IDLen < 0:
		err = fmt.Errorf("-id-len must not be negative, got %d", cfg.IDLen)
	default:
		if cfg.Addr, err = loopbackUnlessTold("-listen", cfg.Addr); err == nil {
			err = checkBehavior(cfg.Behavior)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "udpool serve:", err)
		return 2
	}
	log, metrics, code := obs.setUp(ctx, "serve", stderr)
	if code != 0 {
		return code
	}
	defer metrics.stop()
	dev, err := udptest.Start(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "udpool serve:", err)
		return 1
	}
	metrics.register(prom.NewDeviceCollector("serve", dev))
	fmt.Fprintf(stdout, "udpool serve: listening on %s\n", dev)
	log.Debug("device behavior", "behavior", fmt.Sprintf("%+v", cfg.Behavior))

	var tick <-chan time.Time
	if *every > 0 {
		t := time.NewTicker(*every)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			printCounts(stdout, dev.Stats())
		case <-ctx.Done():
			err := dev.Close()
			printCounts(stdout, dev.Stats())
			if err != nil {
				fmt.Fprintln(stderr, "udpool serve:", err)
				return 1
			}
			fmt.Fprintln(stdout, "udpool serve: stopped")
			return 0
		}
	}
}

func printCounts(w io.Writer, s udptest.Stats) {
	fmt.Fprintf(w, "received %d, replied %d (late %d, duplicates %d, reordered %d); dropped: requests %d, replies %d, queue full %d, over rate %d, down %d; clients %d\n",
		s.Received, s.Replied, s.Late, s.Duplicates, s.Reordered,
		s.DroppedRequests, s.DroppedReplies, s.DroppedQueueFull, s.DroppedRate, s.DroppedDown, s.Clients)
}
