package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// poolModel is the reference the pool is checked against: plain counts and a
// FIFO list of waiters, advanced one operation at a time.
type poolModel struct {
	p *Pool[*conn]
	f *factory

	max     int
	idle    int
	total   int
	held    []Resource[*conn]
	waiters []*modelWaiter
	closed  bool
	hijacks int
	now     time.Duration // the pool clock, moved by Tick
	trace   []string      // the steps so far, for failure messages
}

type modelWaiter struct {
	ch     <-chan result
	cancel context.CancelFunc
}

// TestModel drives the pool with random sequences of Acquire, TryAcquire,
// Release, Destroy, Hijack, waiters that block and give up, Resize, Close
// and steps of the pool clock that idle resources do not survive,
// and after every step compares it with the model and checks the
// invariants: counts, bounds, FIFO hand-off, no resource held twice.
func TestModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		f := &factory{t: t}
		max := rapid.IntRange(1, 4).Draw(rt, "max")
		p, err := New(Config[*conn]{New: f.New, Close: f.Close, MaxSize: max,
			MaxIdleTime: modelIdleTime, MaintenanceInterval: time.Hour})
		if err != nil {
			rt.Fatal(err)
		}
		m := &poolModel{p: p, f: f, max: max}
		defer m.cleanup(rt)
		rt.Repeat(map[string]func(*rapid.T){
			"Acquire":      m.step("Acquire", m.acquire),
			"TryAcquire":   m.step("TryAcquire", m.tryAcquire),
			"Release":      m.step("Release", m.release),
			"Destroy":      m.step("Destroy", m.destroy),
			"Hijack":       m.step("Hijack", m.hijack),
			"StartWaiter":  m.step("StartWaiter", m.startWaiter),
			"CancelWaiter": m.step("CancelWaiter", m.cancelWaiter),
			"Resize":       m.step("Resize", m.resize),
			"Close":        m.step("Close", m.close),
			"Tick":         m.step("Tick", m.tick),
			"":             m.check,
		})
	})
}

// step records each operation and the state the model expects after it.
func (m *poolModel) step(name string, op func(*rapid.T)) func(*rapid.T) {
	return func(t *rapid.T) {
		before := m.state()
		op(t)
		m.trace = append(m.trace, fmt.Sprintf("%s: %s -> %s", name, before, m.state()))
	}
}

func (m *poolModel) state() string {
	return fmt.Sprintf("max=%d total=%d idle=%d inuse=%d waiting=%d", m.max, m.total, m.idle, len(m.held), len(m.waiters))
}

// settle waits for background creates to finish, so that the pool's counts
// are the model's.
func (m *poolModel) settle(t *rapid.T) {
	waitFor(t, "creates to finish", func() bool {
		s := m.p.Stats()
		return s.Creating == 0 && s.Maintaining == 0
	})
}

func (m *poolModel) acquire(t *rapid.T) {
	if !m.closed && m.idle == 0 && m.total >= m.max {
		t.Skip("would block; StartWaiter covers that")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := m.p.Acquire(ctx)
	if m.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Acquire after Close: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	if m.idle > 0 {
		m.idle--
	} else {
		m.total++
	}
	m.held = append(m.held, r)
}

func (m *poolModel) tryAcquire(t *rapid.T) {
	r, err := m.p.TryAcquire(context.Background())
	switch {
	case m.closed:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("TryAcquire after Close: %v", err)
		}
	case m.idle > 0:
		if err != nil {
			t.Fatalf("TryAcquire with %d idle: %v", m.idle, err)
		}
		m.idle--
		m.held = append(m.held, r)
	default:
		if !errors.Is(err, ErrExhausted) {
			t.Fatalf("TryAcquire with none idle: %v", err)
		}
		if m.total < m.max {
			m.settle(t) // it started a create in the background
			m.total++
			m.idle++
		}
	}
}

func (m *poolModel) pick(t *rapid.T) Resource[*conn] {
	if len(m.held) == 0 {
		t.Skip("nothing held")
	}
	i := rapid.IntRange(0, len(m.held)-1).Draw(t, "held")
	r := m.held[i]
	m.held = append(m.held[:i], m.held[i+1:]...)
	return r
}

// serveOldest expects the oldest waiter to get a resource (c, if not nil).
func (m *poolModel) serveOldest(t *rapid.T, c *conn) {
	w := m.waiters[0]
	m.waiters = m.waiters[1:]
	got := recv(t, w.ch)
	w.cancel()
	if got.err != nil {
		t.Fatalf("oldest waiter: %v", got.err)
	}
	if c != nil && got.r.Value() != c {
		t.Fatalf("oldest waiter got conn %d, want the released conn %d", got.r.Value().id, c.id)
	}
	m.held = append(m.held, got.r)
}

// afterFree serves waiters from slots that became free.
func (m *poolModel) afterFree(t *rapid.T) {
	for len(m.waiters) > 0 && m.total < m.max && !m.closed {
		m.total++
		m.serveOldest(t, nil)
	}
}

func (m *poolModel) release(t *rapid.T) {
	r := m.pick(t)
	c := r.Value()
	r.Release()
	switch {
	case m.closed || m.total > m.max:
		m.total--
		m.afterFree(t)
	case len(m.waiters) > 0:
		m.serveOldest(t, c)
	default:
		m.idle++
	}
}

func (m *poolModel) destroy(t *rapid.T) {
	r := m.pick(t)
	r.Destroy()
	m.total--
	m.afterFree(t)
}

func (m *poolModel) hijack(t *rapid.T) {
	r := m.pick(t)
	c := r.Hijack()
	c.closes.Add(1) // the new owner closes it
	m.f.closed.Add(1)
	m.hijacks++
	m.total--
	m.afterFree(t)
}

func (m *poolModel) startWaiter(t *rapid.T) {
	if m.closed || m.idle > 0 || m.total < m.max {
		t.Skip("would not wait")
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.waiters = append(m.waiters, &modelWaiter{ch: acquireAsync(t, m.p, ctx), cancel: cancel})
}

func (m *poolModel) cancelWaiter(t *rapid.T) {
	if len(m.waiters) == 0 {
		t.Skip("no waiter")
	}
	i := rapid.IntRange(0, len(m.waiters)-1).Draw(t, "waiter")
	w := m.waiters[i]
	m.waiters = append(m.waiters[:i], m.waiters[i+1:]...)
	w.cancel()
	if got := recv(t, w.ch); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("canceled waiter got %v", got.err)
	}
}

func (m *poolModel) resize(t *rapid.T) {
	n := rapid.IntRange(1, 5).Draw(t, "size")
	err := m.p.Resize(n)
	if m.closed {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Resize after Close: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Resize(%d): %v", n, err)
	}
	m.max = n
	for m.total > m.max && m.idle > 0 {
		m.idle--
		m.total--
	}
	m.afterFree(t)
	// Growing may replace the queue: the waiters move to the new one.
	waitFor(t, "the waiters to queue again", func() bool { return parkedWaiters() == len(m.waiters) })
}

func (m *poolModel) close(t *rapid.T) {
	// With resources lent Close cannot finish: give it a moment only.
	wait := 10 * time.Second
	if len(m.held) > 0 {
		wait = time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	err := m.p.Close(ctx)
	if len(m.held) == 0 && err != nil {
		t.Fatalf("Close with nothing lent: %v", err)
	}
	if len(m.held) > 0 {
		var ce *CloseError
		if !errors.As(err, &ce) || ce.InUse != len(m.held) {
			t.Fatalf("Close with %d lent: %v", len(m.held), err)
		}
	}
	for _, w := range m.waiters {
		if got := recv(t, w.ch); !errors.Is(got.err, ErrClosed) {
			t.Fatalf("waiter after Close: %v", got.err)
		}
		w.cancel()
	}
	m.waiters = nil
	m.total -= m.idle
	m.idle = 0
	m.closed = true
}

// modelIdleTime is the pool's MaxIdleTime; a Tick moves the clock past it,
// so every resource idle at a Tick is closed by the maintainer.
const modelIdleTime = 10 * time.Minute

func (m *poolModel) tick(t *rapid.T) {
	m.now += modelIdleTime + time.Minute
	tick(m.p, m.now)
	if !m.closed {
		m.total -= m.idle
		m.idle = 0
	}
}

func (m *poolModel) check(t *rapid.T) {
	// Stats reads its gauges one at a time; wait for a quiet pool, where
	// they agree. A slot leaked for good would fail here.
	var s Stats
	waitFor(t, "a quiet pool", func() bool {
		s = m.p.Stats()
		return s.Creating == 0 && s.Maintaining == 0 && s.Total == s.Idle+s.InUse
	})
	// A waiter served by a release while a create was starting for it
	// leaves that create's resource idle: legal, bounded by MaxSize, and
	// the only way the pool may differ from the model.
	if extra := s.Total - m.total; extra > 0 && s.Idle-m.idle == extra && s.Total <= m.max {
		m.trace = append(m.trace, fmt.Sprintf("(pool made %d extra idle)", extra))
		m.total += extra
		m.idle += extra
	}
	want := m.state()
	got := fmt.Sprintf("max=%d total=%d idle=%d inuse=%d waiting=%d", s.MaxSize, s.Total, s.Idle, s.InUse, s.Waiting)
	if got != want {
		t.Fatalf("pool %s, model %s after:\n%s", got, want, strings.Join(m.trace, "\n"))
	}
	if open := m.f.open(); open != int64(m.total) {
		t.Fatalf("%d conns open, model total %d", open, m.total)
	}
	seen := map[*conn]bool{}
	for _, r := range m.held {
		c := r.Value()
		if seen[c] {
			t.Fatalf("conn %d held twice", c.id)
		}
		seen[c] = true
	}
}

func (m *poolModel) cleanup(t *rapid.T) {
	for _, w := range m.waiters {
		w.cancel()
		if got := recv(t, w.ch); got.err == nil {
			got.r.Release()
		}
	}
	for _, r := range m.held {
		r.Release()
	}
	if err := m.p.Close(context.Background()); err != nil {
		t.Fatalf("final Close: %v", err)
	}
	m.f.checkAllClosed(t)
	if open := m.f.open(); open != 0 {
		t.Fatalf("%d conns open after Close", open)
	}
}
