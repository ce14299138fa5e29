package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/udpool/udpool/internal/load"
	"github.com/udpool/udpool/internal/progress"
	"github.com/udpool/udpool/internal/report"
	"github.com/udpool/udpool/metrics/prom"
	"github.com/udpool/udpool/udp"
)

// loadConfig is what the load command's flags set.
type loadConfig struct {
	target      string
	payload     []byte
	idOffset    int
	idLen       int
	matchEcho   bool
	requests    int
	duration    time.Duration
	concurrency int
	sockets     int
	timeout     time.Duration
	retries     int
	rate        float64
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg loadConfig
	fs.StringVar(&cfg.target, "target", "", "the device or server, host:port (required)")
	text := fs.String("payload", "", "the request, as text")
	hexText := fs.String("payload-hex", "", "the request, in hex (spaces allowed)")
	file := fs.String("payload-file", "", "the request, read from this file")
	fs.IntVar(&cfg.idOffset, "id-offset", 0, "offset of a request ID in the payload (with -id-len)")
	fs.IntVar(&cfg.idLen, "id-len", 0, "length of the request ID, 1 to 8 bytes: the client stamps a fresh ID into each request and shares few sockets (0: one request per socket)")
	fs.BoolVar(&cfg.matchEcho, "match-echo", false, "the device echoes the request: the client drops replies that differ from it (counted as stale) and waits on for the right one")
	fs.IntVar(&cfg.requests, "requests", 1000, "requests to send (with -duration: no limit unless given)")
	fs.DurationVar(&cfg.duration, "duration", 0, "send for this long instead")
	fs.IntVar(&cfg.concurrency, "concurrency", 16, "goroutines sending at once")
	fs.IntVar(&cfg.sockets, "sockets", 0, "sockets to use (default 8, or 2 with -id-len)")
	fs.DurationVar(&cfg.timeout, "timeout", time.Second, "reply deadline per attempt")
	fs.IntVar(&cfg.retries, "retries", 0, "attempts after the first, on timeouts")
	fs.Float64Var(&cfg.rate, "rate", 0, "requests started per second at most (0: no limit)")
	var obs observeFlags
	obs.define(fs)
	obs.defineOutputs(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: udpool load -target host:port (-payload TEXT | -payload-hex HEX | -payload-file FILE) [flags]

Drives a real UDP device or server with udpool's client and reports what it
got: answers, timeouts, latency, throughput, descriptors. For example, a DNS
server (a query for example.com, type A; the client stamps the two-byte ID):

  udpool load -target 127.0.0.1:53 -id-offset 0 -id-len 2 \
    -payload-hex '0000 0100 0001 0000 0000 0000 076578616d706c6503636f6d00 0001 0001'

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseArgs(fs, args, stderr); !ok {
		return code
	}
	if cfg.duration > 0 && !flagGiven(fs, "requests") {
		cfg.requests = 0 // the duration alone decides
	}
	var err error
	if cfg.payload, err = payloadFrom(*text, *hexText, *file); err == nil {
		err = cfg.validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "udpool load:", err)
		return 2
	}
	env, code := obs.start(ctx, "load", stdout, stderr)
	if code != 0 {
		return code
	}
	defer env.metrics.stop()
	return env.exitCode(loadTarget(ctx, cfg, env))
}

// payloadFrom takes the request from exactly one of the three flags.
func payloadFrom(text, hexText, file string) ([]byte, error) {
	given := 0
	for _, s := range []string{text, hexText, file} {
		if s != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return nil, errors.New("give the request with -payload, -payload-hex or -payload-file")
	case given > 1:
		return nil, errors.New("give only one of -payload, -payload-hex and -payload-file")
	case text != "":
		return []byte(text), nil
	case hexText != "":
		b, err := hex.DecodeString(strings.Join(strings.Fields(hexText), ""))
		if err != nil {
			return nil, fmt.Errorf("-payload-hex: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-payload-file: %w", err)
	}
	return b, nil
}

func (c *loadConfig) validate() error {
	switch {
	case c.target == "":
		return errors.New("-target is required (host:port)")
	case !hasPort(c.target):
		return fmt.Errorf("-target must be host:port, got %q", c.target)
	case c.idOffset != 0 && c.idLen == 0:
		return errors.New("-id-offset needs -id-len")
	case len(c.payload) == 0:
		return errors.New("the payload is empty")
	case c.idLen < 0 || c.idLen > 8:
		return fmt.Errorf("-id-len must be 0 to 8, got %d", c.idLen)
	case c.idOffset < 0:
		return fmt.Errorf("-id-offset must not be negative, got %d", c.idOffset)
	case c.idLen > 0 && c.idOffset+c.idLen > len(c.payload):
		return fmt.Errorf("the ID (-id-offset %d, -id-len %d) does not fit in the %d-byte payload", c.idOffset, c.idLen, len(c.payload))
	case c.requests < 0:
		return fmt.Errorf("-requests must not be negative, got %d", c.requests)
	case c.requests == 0 && c.duration <= 0:
		return errors.New("give -requests or -duration")
	case c.duration < 0:
		return fmt.Errorf("-duration must not be negative, got %v", c.duration)
	case c.concurrency <= 0:
		return fmt.Errorf("-concurrency must be positive, got %d", c.concurrency)
	case c.sockets < 0:
		return fmt.Errorf("-sockets must not be negative, got %d", c.sockets)
	case c.timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %v", c.timeout)
	case c.retries < 0:
		return fmt.Errorf("-retries must not be negative, got %d", c.retries)
	case c.rate < 0:
		return fmt.Errorf("-rate must not be negative, got %v", c.rate)
	}
	return nil
}

// clientConfig is the udp.Config the flags describe.
func (c *loadConfig) clientConfig() udp.Config {
	cfg := udp.Config{MaxSockets: c.sockets, Timeout: c.timeout, Retries: c.retries}
	if c.idLen > 0 {
		cfg.ID = &udp.IDField{Offset: c.idOffset, Len: c.idLen, Assign: true}
	}
	if c.matchEcho {
		cfg.Match = c.echoes
	}
	return cfg
}

// echoes reports whether reply is req, the ID field aside.
func (c *loadConfig) echoes(req, reply []byte) bool {
	if len(req) != len(reply) {
		return false
	}
	if c.idLen == 0 {
		return bytes.Equal(req, reply)
	}
	end := c.idOffset + c.idLen
	return bytes.Equal(req[:c.idOffset], reply[:c.idOffset]) && bytes.Equal(req[end:], reply[end:])
}

func (c *loadConfig) describe() string {
	sockets := c.sockets
	if c.idLen > 0 {
		if sockets == 0 {
			sockets = 2
		}
		return fmt.Sprintf("udpool mux (%d sockets, IDs)", sockets)
	}
	if sockets == 0 {
		sockets = 8
	}
	return fmt.Sprintf("udpool exclusive (%d sockets)", sockets)
}

func loadTarget(ctx context.Context, cfg loadConfig, env runEnv) (err error) {
	w := env.stdout
	defer func() {
		if err != nil && !errors.Is(err, errNoAnswer) {
			env.json.discard()
			env.report.discard()
		}
	}()
	// The runtime's network poller opens descriptors of its own on first
	// use: start it before the baseline, so they are not counted as ours.
	if c, err := net.ListenPacket("udp", "127.0.0.1:0"); err == nil {
		c.Close()
	}
	base := load.TakeBaseline()
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	ccfg := cfg.clientConfig()
	ccfg.Logger = env.log
	client, err := udp.Dial(dialCtx, cfg.target, ccfg)
	cancel()
	if err != nil {
		return err
	}
	defer client.Close()
	env.metrics.register(prom.NewClientCollector("load", client))
	name := cfg.describe()
	summary := fmt.Sprintf("%s → %s: %d-byte request, %d at a time, %v timeout", name, client.Addr(), len(cfg.payload), cfg.concurrency, cfg.timeout)
	fmt.Fprintln(w, summary)

	bar := progress.New(env.stderr, name, cfg.requests)
	lc := load.Config{
		Requests: cfg.requests, Duration: cfg.duration, Concurrency: cfg.concurrency, Rate: cfg.rate,
		Request:  func(uint64) []byte { return cfg.payload },
		Progress: bar.Update, Baseline: &base,
		// Callers wait for a socket as long as it takes (within reason):
		// only the device's silence counts as a timeout.
		CallTimeout: time.Minute + time.Duration(cfg.retries+1)*cfg.timeout,
	}
	if cfg.matchEcho {
		lc.Check = cfg.echoes
	}
	res, wait, err := load.Run(ctx, client, lc)
	if err != nil {
		return err
	}
	bar.Finish(cfg.requests)
	res.Name = name
	stats := client.Stats()
	client.Close()
	wait()
	res.FDsLeft, res.GoroutinesLeft = base.Left()
	res.SocketsSeen = -1 // only the device knows

	fmt.Fprintln(w)
	if err := report.Table(w, []load.Result{res}); err != nil {
		return err
	}
	notes := []string{fmt.Sprintf("client: %d retries; %d timed out waiting for a socket; dropped %d stale, %d late, %d duplicate replies; %d unreachable; %d sockets opened",
		stats.Retries, stats.WaitTimeouts, stats.Stale, stats.Late, stats.Duplicates, stats.Unreachable, stats.SocketsCreated)}
	for _, e := range res.ErrorTexts {
		notes = append(notes, "error: "+e)
	}
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	if ctx.Err() != nil {
		return errInterrupted
	}
	page := report.Page{Title: "udpool load: " + cfg.target, Summary: []string{summary}, Results: []load.Result{res}, Notes: notes}
	if err := env.report.write(func(w io.Writer) error { return report.WriteHTML(w, page) }); err != nil {
		return err
	}
	out := struct {
		Target string        `json:"target"`
		Client udp.Stats     `json:"client"`
		Result []load.Result `json:"results"`
	}{cfg.target, stats, []load.Result{res}}
	if err := env.json.write(func(w io.Writer) error { return report.WriteJSON(w, out) }); err != nil {
		return err
	}
	switch {
	case res.OK == 0 && cfg.matchEcho && stats.Stale > 0:
		return fmt.Errorf("%w: %d replies differed from the request and were dropped (-match-echo)", errNoAnswer, stats.Stale)
	case res.OK == 0:
		return errNoAnswer
	}
	return nil
}

// errNoAnswer: the device answered no request.
var errNoAnswer = errors.New("no request was answered")

// hasPort reports whether addr is host:port with a port.
func hasPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != ""
}
