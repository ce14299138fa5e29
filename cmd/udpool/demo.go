package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"time"

	"github.com/udpool/udpool/internal/load"
	"github.com/udpool/udpool/internal/progress"
	"github.com/udpool/udpool/internal/report"
	"github.com/udpool/udpool/metrics/prom"
	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

// demoConfig is what the demo's flags set.
type demoConfig struct {
	requests    int
	concurrency int
	sockets     int
	timeout     time.Duration
	behavior    udptest.Behavior
	seed        uint64
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demoConfig
	b := &cfg.behavior
	fs.IntVar(&cfg.requests, "requests", 2000, "requests per client")
	fs.IntVar(&cfg.concurrency, "concurrency", 64, "goroutines sending at once")
	fs.IntVar(&cfg.sockets, "sockets", 8, "sockets of the pooled clients")
	fs.DurationVar(&cfg.timeout, "timeout", 100*time.Millisecond, "reply deadline of the pooled clients")
	*b = udptest.Behavior{
		ReplyLoss: 0.1, LateShare: 0.1, DuplicateShare: 0.02, ReorderShare: 0.05,
		Delay: time.Millisecond, Jitter: time.Millisecond,
	}
	behaviorFlags(fs, b)
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the device's randomness")
	var obs observeFlags
	obs.define(fs)
	obs.defineOutputs(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: udpool demo [flags]

Runs the same burst of requests four ways against a simulated UDP device on
loopback that loses, delays, duplicates and reorders replies:

  naive       a socket per request, read with no deadline, never closed
  reuse       a pool of sockets with a deadline, timed-out sockets reused
  exclusive   udpool's client, one request per socket
  mux         udpool's client, many requests per socket matched by ID

and shows what each left behind: wrong replies, stuck calls, descriptors.
Late replies come twice -timeout late unless -late-delay says otherwise.
With -metrics, each scrape's connection is a descriptor the fd columns see.

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(fs, args, stderr); !ok {
		return code
	}
	if !flagGiven(fs, "late-delay") {
		b.LateDelay = 2 * cfg.timeout // past the timeout
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(stderr, "udpool demo:", err)
		return 2
	}
	env, code := obs.start(ctx, "demo", stdout, stderr)
	if code != 0 {
		return code
	}
	defer env.metrics.stop()
	return env.exitCode(demo(ctx, cfg, env))
}

func (c *demoConfig) validate() error {
	switch {
	case c.requests <= 0:
		return fmt.Errorf("-requests must be positive, got %d", c.requests)
	case c.concurrency <= 0:
		return fmt.Errorf("-concurrency must be positive, got %d", c.concurrency)
	case c.sockets <= 0:
		return fmt.Errorf("-sockets must be positive, got %d", c.sockets)
	case c.timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %v", c.timeout)
	case c.behavior.ReplyLoss >= 1:
		return fmt.Errorf("-loss must be below 1 (no reply would ever come), got %v", c.behavior.ReplyLoss)
	}
	return checkBehavior(c.behavior)
}

// demoRequest carries token n after a two-byte ID field (zero: the
// multiplexed client stamps its own).
func demoRequest(n uint64) []byte {
	b := make([]byte, 2+8+len("udpool demo"))
	binary.BigEndian.PutUint64(b[2:], n)
	copy(b[10:], "udpool demo")
	return b
}

// answers reports whether reply carries req's token.
func answers(req, reply []byte) bool {
	return len(reply) == len(req) && bytes.Equal(reply[2:], req[2:])
}

// demoClient is one of the four clients the demo runs.
type demoClient struct {
	name string
	make func(addr string, m *metricsServer) (client load.Client, stall time.Duration, closeFn func(), err error)
}

func (c demoConfig) clients(log *slog.Logger) []demoClient {
	return []demoClient{
		{"naive (socket per request, no deadline)", func(addr string, m *metricsServer) (load.Client, time.Duration, func(), error) {
			n := &naiveClient{addr: addr}
			// It never gives up on a lost reply: once every goroutine waits
			// for one, it is wedged; the demo stops waiting after a while.
			return n, max(10*c.timeout, 500*time.Millisecond), n.cleanUp, nil
		}},
		{fmt.Sprintf("reuse (%d sockets, deadline, reused)", c.sockets), func(addr string, m *metricsServer) (load.Client, time.Duration, func(), error) {
			r, err := newReuseClient(addr, c.sockets, c.timeout)
			if err != nil {
				return nil, 0, nil, err
			}
			m.register(prom.NewPoolCollector("reuse", r.pool))
			return r, 0, func() { r.close() }, nil
		}},
		// The demo's device echoes the request, token included, as the
		// reference server does: Match checks the token, which also tells a
		// duplicated reply from the next one.
		{fmt.Sprintf("udpool exclusive (%d sockets, Match)", c.sockets), c.udpClient("exclusive", udp.Config{MaxSockets: c.sockets, Timeout: c.timeout, Match: answers, Logger: log})},
		{"udpool mux (2 sockets, IDs)", c.udpClient("mux", udp.Config{MaxSockets: 2, Timeout: c.timeout, ID: &udp.IDField{Offset: 0, Len: 2, Assign: true}, Logger: log})},
	}
}

func (c demoConfig) udpClient(name string, cfg udp.Config) func(string, *metricsServer) (load.Client, time.Duration, func(), error) {
	return func(addr string, m *metricsServer) (load.Client, time.Duration, func(), error) {
		client, err := udp.Dial(context.Background(), addr, cfg)
		if err != nil {
			return nil, 0, nil, err
		}
		m.register(prom.NewClientCollector(name, client))
		return client, 0, func() { client.Close() }, nil
	}
}

// demoResults is what -json writes.
type demoResults struct {
	Requests    int              `json:"requests_per_client"`
	Concurrency int              `json:"concurrency"`
	Timeout     time.Duration    `json:"timeout_ns"`
	Device      udptest.Behavior `json:"device"`
	Results     []load.Result    `json:"results"`
}

func demo(ctx context.Context, cfg demoConfig, env runEnv) (err error) {
	defer func() {
		if err != nil {
			env.json.discard()
			env.report.discard()
		}
	}()
	dev, err := udptest.Start(udptest.Config{Seed: cfg.seed, Behavior: cfg.behavior})
	if err != nil {
		return err
	}
	defer dev.Close()
	env.metrics.register(prom.NewDeviceCollector("demo", dev))
	b := cfg.behavior
	summary := []string{
		fmt.Sprintf("device on %s: %.0f%% of replies lost, %.0f%% late by %v, %.0f%% duplicated, %.0f%% reordered",
			dev, b.ReplyLoss*100, b.LateShare*100, b.LateDelay, b.DuplicateShare*100, b.ReorderShare*100),
		fmt.Sprintf("%d requests per client, %d at a time, %v timeout", cfg.requests, cfg.concurrency, cfg.timeout),
	}
	w := env.stdout
	fmt.Fprintf(w, "%s\n%s\n\n", summary[0], summary[1])

	var results []load.Result
	for _, dc := range cfg.clients(env.log) {
		res, err := runClient(ctx, cfg, dev, dc, env)
		if err != nil {
			return fmt.Errorf("%s: %w", dc.name, err)
		}
		results = append(results, res)
		if ctx.Err() != nil {
			break // interrupted: show what was measured
		}
	}
	if err := report.Table(w, results); err != nil {
		return err
	}
	notes := explain(results)
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, "- "+n)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	page := report.Page{Title: "udpool demo", Summary: summary, Results: results, Notes: notes}
	if err := env.report.write(func(w io.Writer) error { return report.WriteHTML(w, page) }); err != nil {
		return err
	}
	out := demoResults{Requests: cfg.requests, Concurrency: cfg.concurrency, Timeout: cfg.timeout, Device: cfg.behavior, Results: results}
	return env.json.write(func(w io.Writer) error { return report.WriteJSON(w, out) })
}

// runClient runs one client against the device and measures what it left.
func runClient(ctx context.Context, cfg demoConfig, dev *udptest.Device, dc demoClient, env runEnv) (load.Result, error) {
	dev.Reset()
	base := load.TakeBaseline()
	client, stall, closeFn, err := dc.make(dev.String(), env.metrics)
	if err != nil {
		return load.Result{}, err
	}
	requests := cfg.requests
	if stall > 0 {
		requests = boundedByFDLimit(requests)
	}
	bar := progress.New(env.stderr, dc.name, requests)
	res, wait, err := load.Run(ctx, client, load.Config{
		Requests: requests, Concurrency: cfg.concurrency, Request: demoRequest, Check: answers,
		Stall: stall, Progress: bar.Update, Baseline: &base,
		// Callers wait for a socket as long as it takes (a minute at most):
		// only replies time out.
		CallTimeout: time.Minute,
	})
	if err != nil {
		closeFn()
		return load.Result{}, err
	}
	bar.Finish(requests)
	res.Name = dc.name
	res.SocketsSeen = dev.Stats().Clients
	if stall > 0 {
		// What the naive client left behind is measured before the demo
		// cleans up after it.
		res.FDsLeft, res.GoroutinesLeft = base.Left()
		closeFn()
	} else {
		closeFn()
		res.FDsLeft, res.GoroutinesLeft = base.Left()
	}
	wait()
	return res, nil
}

// boundedByFDLimit keeps the naive client, which never closes a socket,
// within half the process's descriptor limit.
func boundedByFDLimit(requests int) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == 0 {
		return min(requests, 500)
	}
	return min(requests, int(lim.Cur/2))
}

// explain says in words what the table shows.
func explain(results []load.Result) []string {
	var notes []string
	for _, r := range results {
		switch {
		case r.Stuck > 0:
			notes = append(notes, fmt.Sprintf("%s: wedged with %d calls waiting forever for lost replies; %d descriptors and %d goroutines left behind.",
				r.Name, r.Stuck, r.FDsLeft, r.GoroutinesLeft))
		case r.Wrong > 0:
			notes = append(notes, fmt.Sprintf("%s: %d callers got another caller's reply (late replies read by the next request on a reused socket).",
				r.Name, r.Wrong))
		default:
			notes = append(notes, fmt.Sprintf("%s: no wrong replies, at most %d descriptors, %d left after Close.", r.Name, r.PeakFDs, r.FDsLeft))
		}
	}
	return notes
}
