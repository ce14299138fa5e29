package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
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

	r := &run{cfg: cfg, client: client, completed: make(chan struct{}, 1), finished: make(chan struct{})}
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
	r.live.Store(int64(cfg.Concurrency))
	for range cfg.Concurrency {
		go r.work(ctx)
	}
	stalled := r.watch(ctx)
	// The run ends here: what completes later (a stuck call released by
	// the caller, a call in flight at the end) is not counted.
	stop()
	res = r.result(time.Since(start), stalled)
	res.Series = sampler.stop()
	res.PeakFDs = peakOf(res.Series)
	return res, func() { <-r.finished }, nil
}

// run is the state of one Run.
type run struct {
	cfg    Config
	client Client
	ticks  <-chan struct{}

	next      atomic.Uint64 // tokens handed out
	live      atomic.Int64  // workers not yet returned
	finished  chan struct{} // closed by the last worker to return
	completed chan struct{} // a request completed (for the stall watch)

	mu    sync.Mutex
	tally tally // guarded by mu
}

// tally is what the requests did, counted under run.mu so that a snapshot
// adds up.
type tally struct {
	ended                            bool // the run is over: nothing more is counted
	started, done                    int
	ok, timeouts, wrong, otherErrors int
	latencies                        []time.Duration
	errorKinds                       map[string]int
}

// work sends requests until there are no more tokens or ctx ends.
func (r *run) work(ctx context.Context) {
	defer func() {
		if r.live.Add(-1) == 0 {
			close(r.finished)
		}
	}()
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
		if !r.count(func(t *tally) { t.started++ }) {
			return
		}
		t0 := time.Now()
		reply, err := r.call(ctx, req)
		took := time.Since(t0)
		if ctx.Err() != nil {
			return // the run ended under this request: it is not counted
		}
		wrong := err == nil && r.cfg.Check != nil && !r.cfg.Check(req, reply)
		r.count(func(t *tally) {
			t.done++
			switch {
			case wrong:
				t.wrong++
			case err == nil:
				t.ok++
				t.latencies = append(t.latencies, took)
			case isTimeout(err):
				t.timeouts++
			default:
				t.otherErrors++
				t.noteError(err)
			}
		})
		select {
		case r.completed <- struct{}{}:
		default:
		}
	}
}

// count applies f to the tally unless the run has ended, and reports
// whether it did.
func (r *run) count(f func(*tally)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tally.ended {
		return false
	}
	f(&r.tally)
	return true
}

// addresses matches host:port pairs, which differ from error to error of
// one kind (local ports are random).
var addresses = regexp.MustCompile(`(\[[0-9a-fA-F:.]+\]|\d+\.\d+\.\d+\.\d+):\d+`)

// noteError counts an error by its kind: its text with addresses elided.
func (t *tally) noteError(err error) {
	if t.errorKinds == nil {
		t.errorKinds = map[string]int{}
	}
	t.errorKinds[addresses.ReplaceAllString(err.Error(), "ADDR")]++
}

func (r *run) call(ctx context.Context, req []byte) ([]byte, error) {
	if r.cfg.CallTimeout <= 0 {
		return r.client.Do(ctx, req)
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	return r.client.Do(ctx, req)
}

// watch reports progress until the workers finish, ctx ends, or the client
// stalls, which it reports.
func (r *run) watch(ctx context.Context) (stalled bool) {
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
	for {
		select {
		case <-r.finished:
			return false
		case <-ctx.Done():
			return false
		case <-r.completed:
			if stallTimer != nil {
				stallTimer.Reset(r.cfg.Stall)
			}
		case <-stall:
			return true
		case <-progress.C:
			if r.cfg.Progress != nil {
				r.mu.Lock()
				done := r.tally.done
				r.mu.Unlock()
				r.cfg.Progress(done, total)
			}
		}
	}
}

// result ends the tally and returns it. After a stall, the calls started
// and not done are stuck; otherwise they were cut off by the end of the run
// and are not counted.
func (r *run) result(elapsed time.Duration, stalled bool) Result {
	r.mu.Lock()
	r.tally.ended = true
	t := r.tally
	r.mu.Unlock()
	if r.cfg.Progress != nil {
		r.cfg.Progress(t.done, r.cfg.Requests)
	}
	res := Result{
		Requests: t.started,
		OK:       t.ok,
		Timeouts: t.timeouts,
		Wrong:    t.wrong,
		Errors:   t.otherErrors,
		Elapsed:  elapsed,
	}
	if stalled {
		res.Stuck = t.started - t.done
	} else {
		res.Requests = t.done
	}
	for text, n := range t.errorKinds {
		res.ErrorTexts = append(res.ErrorTexts, fmt.Sprintf("%d× %s", n, text))
	}
	sort.Strings(res.ErrorTexts)
	if len(res.ErrorTexts) > maxErrorKinds {
		more := len(res.ErrorTexts) - maxErrorKinds
		res.ErrorTexts = append(res.ErrorTexts[:maxErrorKinds], fmt.Sprintf("… and %d more kinds of error", more))
	}
	if elapsed > 0 {
		res.Throughput = float64(res.OK) / elapsed.Seconds()
	}
	res.setLatency(t.latencies)
	return res
}

// maxErrorKinds is how many kinds of error a result lists.
const maxErrorKinds = 20

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
			// After a slow spell, go on from now rather than catch up in a
			// burst.
			next = next.Add(interval)
			if behind := time.Now().Add(-interval); next.Before(behind) {
				next = behind
			}
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
