package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/udpool/udpool/pool"
)

type demoConfig struct {
	requests    int
	concurrency int
	loss        float64
	sockets     int
	timeout     time.Duration
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg demoConfig
	fs.IntVar(&cfg.requests, "requests", 2000, "requests per client")
	fs.IntVar(&cfg.concurrency, "concurrency", 32, "goroutines sending at once")
	fs.Float64Var(&cfg.loss, "loss", 0.1, "share of replies the device drops, 0 to 1")
	fs.IntVar(&cfg.sockets, "sockets", 8, "sockets in the pooled client")
	fs.DurationVar(&cfg.timeout, "timeout", 100*time.Millisecond, "reply deadline of the pooled client")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: udpool demo [flags]\n\nRuns a burst of requests against an in-process UDP device on loopback that\ndrops replies, first with a naive client, then with a pooled client.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := cfg.validate(); err != nil {
		fmt.Fprintln(stderr, "udpool demo:", err)
		return 2
	}
	if err := demo(cfg, stdout); err != nil {
		fmt.Fprintln(stderr, "udpool demo:", err)
		return 1
	}
	return 0
}

func (c demoConfig) validate() error {
	switch {
	case c.requests <= 0:
		return fmt.Errorf("-requests must be positive, got %d", c.requests)
	case c.concurrency <= 0:
		return fmt.Errorf("-concurrency must be positive, got %d", c.concurrency)
	case c.loss < 0 || c.loss >= 1:
		return fmt.Errorf("-loss must be in [0, 1), got %v", c.loss)
	case c.sockets <= 0:
		return fmt.Errorf("-sockets must be positive, got %d", c.sockets)
	case c.timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %v", c.timeout)
	}
	return nil
}

// outcome is one client's run.
type outcome struct {
	name      string
	ok, lost  int64
	wrong     int64
	peakFDs   int
	leftFDs   int
	leftGs    int
	elapsed   time.Duration
	distinct  int
	abandoned bool
	notSent   int64 // requests the client never got to send
}

func demo(cfg demoConfig, w io.Writer) error {
	dev, err := startLossyDevice(cfg.loss)
	if err != nil {
		return err
	}
	defer dev.close()
	fmt.Fprintf(w, "device on %s drops %.0f%% of replies; %d requests, %d at a time\n\n",
		dev.addr(), cfg.loss*100, cfg.requests, cfg.concurrency)

	naive := runNaive(cfg, dev)
	pooled, err := runPooled(cfg, dev)
	if err != nil {
		return err
	}

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "client\tok\tno reply\twrong reply\tpeak fds\tfds left\tgoroutines left\tsockets seen\telapsed\t")
	for _, o := range []outcome{naive, pooled} {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%v\t\n", o.name, o.ok, o.lost, o.wrong,
			o.peakFDs, o.leftFDs, o.leftGs, o.distinct, o.elapsed.Round(time.Millisecond))
	}
	tw.Flush()
	if naive.notSent > 0 {
		fmt.Fprintf(w, "\nThe naive client wedged: every one of its %d goroutines waited forever for a\nlost reply, so %d requests were never sent.\n", cfg.concurrency, naive.notSent)
	}
	if naive.abandoned {
		fmt.Fprintln(w, "\nThe naive client never returned for lost replies: its goroutines and sockets\nwere stranded until the demo closed them. The pooled client bounded its sockets,\ngave up on each lost reply at its deadline and discarded that socket.")
	}
	return nil
}

// runNaive is the reference write-up's client: a new socket per request and a
// read with no deadline. Every lost reply strands a goroutine and a socket.
// The demo bounds it with a grace period and then closes what it stranded.
func runNaive(cfg demoConfig, dev *lossyDevice) outcome {
	o := outcome{name: "naive (socket per request, no deadline)"}
	before, baseFDs := dev.seenCount(), openFDs()
	baseGs := runtime.NumGoroutine()
	var mu sync.Mutex
	var stranded []net.Conn
	var ok atomic.Int64
	sem := make(chan struct{}, cfg.concurrency)
	start := time.Now()
	var peak atomic.Int64
	sent := 0
	stall := time.NewTimer(time.Hour)
	defer stall.Stop()
send:
	for i := range cfg.requests {
		// Every lost reply keeps its slot forever: once all slots are stuck
		// for a while, the naive client is wedged and the demo stops it.
		stall.Reset(cfg.timeout * 10)
		select {
		case sem <- struct{}{}:
		case <-stall.C:
			break send
		}
		sent++
		go func() {
			defer func() { <-sem }()
			c, err := net.Dial("udp", dev.addr())
			if err != nil {
				return
			}
			mu.Lock()
			stranded = append(stranded, c)
			mu.Unlock()
			if n := int64(openFDs()); n > peak.Load() {
				peak.Store(n)
			}
			msg := fmt.Sprintf("req-%d", i)
			c.Write([]byte(msg))
			buf := make([]byte, 64)
			n, err := c.Read(buf) // no deadline: blocks forever if the reply is lost
			if err == nil && string(buf[:n]) == msg {
				ok.Add(1)
			}
		}()
	}
	time.Sleep(cfg.timeout * 5) // grace for the replies still coming
	o.elapsed = time.Since(start)
	o.ok = ok.Load()
	o.lost = int64(sent) - o.ok
	o.notSent = int64(cfg.requests - sent)
	o.peakFDs = int(peak.Load()) - baseFDs
	o.leftFDs = openFDs() - baseFDs
	o.leftGs = max(runtime.NumGoroutine()-baseGs, 0)
	o.distinct = dev.seenCount() - before
	o.abandoned = o.leftGs > 0
	mu.Lock()
	for _, c := range stranded {
		c.Close() // the demo cleans up what the naive client leaked
	}
	mu.Unlock()
	for len(sem) > 0 {
		time.Sleep(time.Millisecond)
	}
	return o
}

// runPooled uses a pool of connected sockets and a deadline on every read;
// a socket whose reply did not come is destroyed, never reused, so a late
// reply can never be read by the next request.
func runPooled(cfg demoConfig, dev *lossyDevice) (outcome, error) {
	o := outcome{name: fmt.Sprintf("pooled (%d sockets, %v deadline)", cfg.sockets, cfg.timeout)}
	before, baseFDs := dev.seenCount(), openFDs()
	baseGs := runtime.NumGoroutine()
	p, err := pool.New(pool.Config[net.Conn]{
		New: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", dev.addr())
		},
		Close:   func(c net.Conn) error { return c.Close() },
		MaxSize: cfg.sockets,
	})
	if err != nil {
		return o, err
	}
	var ok, lost, wrong, peak atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for {
				i := next.Add(1) - 1
				if i >= int64(cfg.requests) {
					return
				}
				r, err := p.Acquire(context.Background())
				if err != nil {
					lost.Add(1)
					continue
				}
				if n := int64(openFDs()); n > peak.Load() {
					peak.Store(n)
				}
				c := r.Value()
				msg := fmt.Sprintf("req-%d", i)
				c.SetDeadline(time.Now().Add(cfg.timeout))
				c.Write([]byte(msg))
				n, err := c.Read(buf)
				switch {
				case err != nil:
					lost.Add(1)
					r.Destroy()
				case string(buf[:n]) != msg:
					wrong.Add(1)
					r.Destroy()
				default:
					ok.Add(1)
					r.Release()
				}
			}
		}()
	}
	wg.Wait()
	o.elapsed = time.Since(start)
	if err := p.Close(context.Background()); err != nil {
		return o, err
	}
	o.ok, o.lost, o.wrong = ok.Load(), lost.Load(), wrong.Load()
	o.peakFDs = int(peak.Load()) - baseFDs
	o.leftFDs = openFDs() - baseFDs
	o.leftGs = max(runtime.NumGoroutine()-baseGs, 0)
	o.distinct = dev.seenCount() - before
	return o, nil
}

// lossyDevice echoes each request unless it drops the reply.
type lossyDevice struct {
	conn net.PacketConn
	loss float64
	mu   sync.Mutex
	seen map[string]bool
	done chan struct{}
}

func startLossyDevice(loss float64) (*lossyDevice, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d := &lossyDevice{conn: c, loss: loss, seen: map[string]bool{}, done: make(chan struct{})}
	go d.serve()
	return d, nil
}

func (d *lossyDevice) addr() string { return d.conn.LocalAddr().String() }

func (d *lossyDevice) serve() {
	defer close(d.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		d.mu.Lock()
		d.seen[from.String()] = true
		d.mu.Unlock()
		if rand.Float64() < d.loss {
			continue
		}
		d.conn.WriteTo(buf[:n], from)
	}
}

func (d *lossyDevice) seenCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

func (d *lossyDevice) close() {
	d.conn.Close()
	<-d.done
}

var fdCount sync.Mutex

// openFDs counts this process's open file descriptors, not counting the one
// it opens to read them. Counts are serialised so they do not see each other.
func openFDs() int {
	fdCount.Lock()
	defer fdCount.Unlock()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries) - 1
}
