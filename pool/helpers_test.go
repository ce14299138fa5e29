package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tb is what the helpers need of a test: *testing.T, *testing.B and
// *rapid.T all have it.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Fatal(args ...any)
}

// conn is a resource for tests. It records its own life so that tests can
// prove that no two callers hold it at once and that it is closed exactly
// once.
type conn struct {
	id      int64
	holders atomic.Int32
	closes  atomic.Int32
}

// use marks c held by one more caller and fails the test if another holds it.
func (c *conn) use(t tb) {
	if n := c.holders.Add(1); n != 1 {
		t.Errorf("conn %d held by %d callers at once", c.id, n)
	}
	if c.closes.Load() != 0 {
		t.Errorf("conn %d used after it was closed", c.id)
	}
}

func (c *conn) done() { c.holders.Add(-1) }

// factory makes conns and counts what was made and closed.
type factory struct {
	t       tb
	made    atomic.Int64
	closed  atomic.Int64
	failing atomic.Bool // New fails while set
	newHook func(ctx context.Context) error

	mu    sync.Mutex
	conns []*conn
}

var errRefused = errors.New("device refused")

func (f *factory) New(ctx context.Context) (*conn, error) {
	if f.newHook != nil {
		if err := f.newHook(ctx); err != nil {
			return nil, err
		}
	}
	if f.failing.Load() {
		return nil, errRefused
	}
	c := &conn{id: f.made.Add(1)}
	f.mu.Lock()
	f.conns = append(f.conns, c)
	f.mu.Unlock()
	return c, nil
}

func (f *factory) Close(c *conn) error {
	if n := c.closes.Add(1); n != 1 {
		f.t.Errorf("conn %d closed %d times", c.id, n)
	}
	if c.holders.Load() != 0 {
		f.t.Errorf("conn %d closed while held", c.id)
	}
	f.closed.Add(1)
	return nil
}

// open is the number of conns made and not yet closed.
func (f *factory) open() int64 { return f.made.Load() - f.closed.Load() }

// checkAllClosed fails unless every conn made was closed exactly once.
func (f *factory) checkAllClosed(t tb) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		if n := c.closes.Load(); n != 1 {
			t.Errorf("conn %d closed %d times, want 1", c.id, n)
		}
	}
}

// newPool makes a pool of conns whose config is cfg with the factory's New
// and Close, and closes it when the test ends, checking that everything was
// closed. The maintainer is slowed to once an hour so that tests drive it
// by hand with a clock of their own (see tick).
func newPool(t testing.TB, cfg Config[*conn]) (*Pool[*conn], *factory) {
	t.Helper()
	f := &factory{t: t}
	if cfg.New == nil {
		cfg.New = f.New
	}
	if cfg.Close == nil {
		cfg.Close = f.Close
	}
	if cfg.MaintenanceInterval == 0 {
		cfg.MaintenanceInterval = time.Hour
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		f.checkAllClosed(t)
		if s := p.Stats(); s.Total != 0 {
			t.Errorf("after Close: %+v", s)
		}
	})
	return p, f
}

// tick runs one round of maintenance with the pool clock set to at (time
// since the pool was made), as the maintainer would.
func tick(p *Pool[*conn], at time.Duration) {
	p.maintain(int64(at))
}

// setClock moves the pool clock to at without maintenance.
func setClock(p *Pool[*conn], at time.Duration) {
	p.clock.Store(int64(at))
}

func acquire(t tb, p *Pool[*conn]) Resource[*conn] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := p.Acquire(ctx)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	return r
}

// acquireAsync starts an Acquire on a new goroutine and returns a channel
// that delivers its result. It returns once the Acquire is waiting.
type result struct {
	r   Resource[*conn]
	err error
}

func acquireAsync(t tb, p *Pool[*conn], ctx context.Context) <-chan result {
	t.Helper()
	before := parkedWaiters()
	ch := make(chan result, 1)
	go func() {
		r, err := p.Acquire(ctx)
		ch <- result{r, err}
	}()
	waitFor(t, "the new acquire to block", func() bool { return parkedWaiters() > before })
	return ch
}

// parkedWaiters counts the goroutines blocked in the pool's wait. Tests of
// the serving order need a waiter to be queued, not merely registered.
func parkedWaiters() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[chan receive") || strings.Contains(g, "[select") {
			if strings.Contains(g, "pool.(*Pool[...]).wait(") {
				n++
			}
		}
	}
	return n
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
// Tests use it for state the pool reaches on another goroutine; no test
// depends on how fast that happens.
func waitFor(t tb, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

func recv[V any](t tb, ch <-chan V) V {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a result")
		panic("unreachable")
	}
}

// mustPanic runs f and returns the *MisuseError it panicked with.
func mustPanicMisuse(t tb, f func()) (e *MisuseError) {
	t.Helper()
	defer func() {
		r := recover()
		var ok bool
		if e, ok = r.(*MisuseError); !ok {
			t.Fatalf("panic value %v (%T), want *MisuseError", r, r)
		}
	}()
	f()
	return nil
}

// checkInvariants checks the bounds of a pool that is not being resized.
func checkInvariants(t tb, p *Pool[*conn], f *factory) {
	t.Helper()
	s := p.Stats()
	if s.Total > s.MaxSize {
		t.Errorf("total %d > max %d", s.Total, s.MaxSize)
	}
	if open := f.open(); open > int64(s.MaxSize) {
		t.Errorf("%d conns open > max %d", open, s.MaxSize)
	}
}

func (s Stats) String() string {
	return fmt.Sprintf("total=%d idle=%d inuse=%d creating=%d maint=%d waiting=%d",
		s.Total, s.Idle, s.InUse, s.Creating, s.Maintaining, s.Waiting)
}
