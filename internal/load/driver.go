package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// A Client sends one request and returns its reply.
type Client interface {
	Do(ctx context.Context, req []byte) ([]byte, error)
}

// ClientFunc adapts a function to Client.
type ClientFunc func(ctx context.Context, req []byte) ([]byte, error)

// Do calls f.
func (f ClientFunc) Do(ctx context.Context, req []byte) ([]byte, error) { return f(ctx, req) }

// Config says how to drive a client.
type Config struct {
	// Requests to send in all; with Duration set, 0 means no limit.
	Requests int
	// Duration, if set, stops sending after this long.
	Duration time.Duration
	// Concurrency is how many goroutines send at once.
	Concurrency int
	// Rate, if set, bounds the requests started per second.
	Rate float64

	// Request makes the request that carries token n (unique per run).
	Request func(n uint64) []byte
	// Check, if set, reports whether reply answers req; replies that do
	// not are counted as wrong.
	Check func(req, reply []byte) bool

	// CallTimeout, if set, bounds each call with a context deadline.
	CallTimeout time.Duration

	// Baseline, if set, is what descriptors and goroutines are counted
	// over: take it before making the client, so that the sockets it opens
	// at once are counted. Default: when Run starts.
	Baseline *Baseline

	// Stall, if set, gives up on a client when no request has completed
	// for this long: the requests still out are counted as stuck, and
	// their goroutines are left to the caller (see Run).
	Stall time.Duration

	// SampleEvery is how often descriptors and goroutines are sampled
	// (default 20ms).
	SampleEvery time.Duration

	// Progress, if set, is called from one goroutine every ProgressEvery
	// (default 100ms) and at the end, with the requests completed so far.
	Progress      func(done, total int)
	ProgressEvery time.Duration
}

func (c *Config) validate() error {
	switch {
	case c.Requests < 0:
		return fmt.Errorf("requests must not be negative, got %d", c.Requests)
	case c.Requests == 0 && c.Duration <= 0:
		return errors.New("give a number of requests or a duration")
	case c.Concurrency <= 0:
		return fmt.Errorf("concurrency must be positive, got %d", c.Concurrency)
	case c.Rate < 0:
		return fmt.Errorf("rate must not be negative, got %v", c.Rate)
	case c.Request == nil:
		return errors.New("no Request func")
	}
	return nil
}

// Run drives client as cfg says until the requests are done, the duration
// has passed, the client stalls, or ctx ends. It returns what it measured,
// and wait, which returns once every goroutine Run started has ended: at
// once unless the client stalled, in which case its stuck calls must be
// ended (by closing what they wait on) before wait returns. What the client
// left behind (FDsLeft, GoroutinesLeft) is for the caller to measure, with
// a Baseline taken before the client was made.
func Run(ctx context.Context, client Client, cfg Config) (res Result, wait func(), err error) {
	if err := cfg.validate(); err != nil {
		return Result{}, nil, err
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = 20 * time.Millisecond
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 100 * time.Millisecond
	}
	base := TakeBaseline()
	if cfg.Baseline != nil {
		base = *cfg.Baseline
	}

	r := &run{cfg: cfg, client: client, lat: make([][]time.Duration, cfg.Concurrency), completed: make(chan struct{}, 1)}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	sampler := startSampler(cfg.SampleEvery, base)
	if cfg.Rate > 0 {
		r.ticks = startTicker(ctx, cfg.Rate)
	}

	start := time.Now()
	var workers sync.WaitGroup
	finished := make(chan struct{})
	for w := range cfg.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			r.work(ctx, w, start)
		}()
	}
	go func() { workers.Wait(); close(finished) }()

	stuck := r.watch(ctx, finished)
	res = r.result(time.Since(start))
	res.Stuck = stuck
	res.Series = sampler.stop()
	res.PeakFDs = peakOf(res.Series)
	return res, func() { stop(); <-finished }, nil
}

// run is the state of one Run.
type run struct {
	cfg    Config
	client Client
	ticks  <-chan struct{}

	next                             atomic.Uint64 // tokens handed out
	started, done                    atomic.Int64
	ok, timeouts, wrong, otherErrors atomic.Int64
	lat                              [][]time.Duration // per worker
	completed                        chan struct{}     // a request completed (for the stall watch)

	errMu    sync.Mutex
	errCount map[string]int // other errors, by text
}

// work sends requests until there are no more tokens or ctx ends.
func (r *run) work(ctx context.Context, w int, start time.Time) {
	for ctx.Err() == nil {
		n := r.next.Add(1)
		if r.cfg.Requests > 0 && n > uint64(r.cfg.Requests) {
			return
		}
		if r.ticks != nil {
			select {
			case <-r.ticks:
			case <-ctx.Done():
				return
			}
		}
		req := r.cfg.Request(n)
		r.started.Add(1)
		t0 := time.Now()
		reply, err := r.call(ctx, req)
		took := time.Since(t0)
		switch {
		case err == nil && r.cfg.Check != nil && !r.cfg.Check(req, reply):
			r.wrong.Add(1)
		case err == nil:
			r.ok.Add(1)
			r.lat[w] = append(r.lat[w], took)
		case ctx.Err() != nil:
			// The run ended under this request: it is not counted.
			r.started.Add(-1)
			continue
		case isTimeout(err):
			r.timeouts.Add(1)
		default:
			r.otherErrors.Add(1)
			r.noteError(err)
		}
		r.done.Add(1)
		select {
		case r.completed <- struct{}{}:
		default:
		}
	}
}

func (r *run) call(ctx context.Context, req []byte) ([]byte, error) {
	if r.cfg.CallTimeout <= 0 {
		return r.client.Do(ctx, req)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	return r.client.Do(ctx, req)
}

func (r *run) noteError(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.errCount == nil {
		r.errCount = map[string]int{}
	}
	if len(r.errCount) < 20 {
		r.errCount[err.Error()]++
	}
}

// watch reports progress until the workers finish or the client stalls, and
// returns the number of requests stuck in the client.
func (r *run) watch(ctx context.Context, finished <-chan struct{}) int {
	total := r.cfg.Requests
	progress := time.NewTicker(r.cfg.ProgressEvery)
	defer progress.Stop()
	var stall <-chan time.Time
	var stallTimer *time.Timer
	if r.cfg.Stall > 0 {
		stallTimer = time.NewTimer(r.cfg.Stall)
		defer stallTimer.Stop()
		stall = stallTimer.C
	}
	report := func() {
		if r.cfg.Progress != nil {
			r.cfg.Progress(int(r.done.Load()), total)
		}
	}
	defer report()
	for {
		select {
		case <-finished:
			return 0
		case <-r.completed:
			if stallTimer != nil {
				stallTimer.Reset(r.cfg.Stall)
			}
		case <-stall:
			return int(r.started.Load() - r.done.Load())
		case <-progress.C:
			report()
		}
	}
}

func (r *run) result(elapsed time.Duration) Result {
	res := Result{
		Requests: int(r.started.Load()),
		OK:       int(r.ok.Load()),
		Timeouts: int(r.timeouts.Load()),
		Wrong:    int(r.wrong.Load()),
		Errors:   int(r.otherErrors.Load()),
		Elapsed:  elapsed,
	}
	r.errMu.Lock()
	for text, n := range r.errCount {
		res.ErrorTexts = append(res.ErrorTexts, fmt.Sprintf("%d× %s", n, text))
	}
	r.errMu.Unlock()
	sort.Strings(res.ErrorTexts)
	if elapsed > 0 {
		res.Throughput = float64(res.OK) / elapsed.Seconds()
	}
	var all []time.Duration
	for _, l := range r.lat {
		all = append(all, l...)
	}
	res.setLatency(all)
	return res
}

// isTimeout reports a timeout: a net.Error whose Timeout() is true, or a
// deadline.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// startTicker sends rate ticks per second until ctx ends.
func startTicker(ctx context.Context, rate float64) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		interval := time.Duration(float64(time.Second) / rate)
		next := time.Now()
		for {
			next = next.Add(interval)
			if d := time.Until(next); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			select {
			case ch <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
