package pool

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMaxLifetime(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2, MaxLifetime: time.Hour})

	// Expired while idle: not handed out.
	r := acquire(t, p)
	old := r.Value()
	r.Release()
	setClock(p, 2*time.Hour)
	r = acquire(t, p)
	if r.Value() == old || old.closes.Load() != 1 {
		t.Fatal("an expired resource was handed out")
	}

	// Expired while in use: destroyed on release.
	young := r.Value()
	setClock(p, 4*time.Hour)
	r.Release()
	if young.closes.Load() != 1 {
		t.Fatal("an expired resource went back to the pool")
	}

	// Expired while idle, found by the maintainer.
	r = acquire(t, p)
	idle := r.Value()
	r.Release()
	tick(p, 6*time.Hour)
	if idle.closes.Load() != 1 {
		t.Fatal("the maintainer left an expired resource idle")
	}
	if s := p.Stats(); s.Destroyed.Lifetime != 3 || s.Total != 0 || f.made.Load() != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestLifetimeJitterDrawnOncePerResource(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 50, MaxLifetime: time.Hour, LifetimeJitter: 30 * time.Minute})
	var rs []Resource[*conn]
	lifetimes := map[int64]bool{}
	for range 50 {
		r := acquire(t, p)
		rs = append(rs, r)
		life := time.Duration(r.it.expiresAt - r.it.createdAt)
		if life <= 30*time.Minute || life > time.Hour {
			t.Errorf("lifetime %v outside (30m, 1h]", life)
		}
		lifetimes[int64(life)] = true
	}
	if len(lifetimes) < 40 {
		t.Errorf("only %d distinct lifetimes in 50 draws", len(lifetimes))
	}
	for _, r := range rs {
		r.Release()
	}
}

func TestMaxIdleTimeKeepsMinIdle(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 4, MinIdle: 1, MaxIdleTime: 10 * time.Minute})
	rs := []Resource[*conn]{acquire(t, p), acquire(t, p), acquire(t, p)}
	for _, r := range rs {
		r.Release()
	}
	waitFor(t, "MinIdle warm-up to settle", func() bool { return p.Stats().Creating == 0 })
	tick(p, time.Minute)
	if s := p.Stats(); s.Idle != 3 {
		t.Fatalf("closed resources idle for less than MaxIdleTime: %v", s)
	}
	tick(p, 11*time.Minute)
	if s := p.Stats(); s.Idle != 1 || s.Destroyed.IdleTime != 2 {
		t.Fatalf("want MinIdle=1 left after MaxIdleTime: %+v", s)
	}
}

func TestMaxIdleTrimsOldestSurplus(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 5, MaxIdle: 2})
	var rs []Resource[*conn]
	for range 5 {
		rs = append(rs, acquire(t, p))
	}
	for i, r := range rs {
		setClock(p, time.Duration(i+1)*time.Second)
		r.Release()
	}
	newest := []*conn{rs[3].it.value, rs[4].it.value}
	tick(p, time.Minute)
	s := p.Stats()
	if s.Idle != 2 || s.Destroyed.MaxIdle != 3 {
		t.Fatalf("want 2 idle after trimming: %+v", s)
	}
	for _, c := range newest {
		if c.closes.Load() != 0 {
			t.Errorf("trimmed conn %d, one of the two most recently used", c.id)
		}
	}
}

func TestMinIdleKeptWarm(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 4, MinIdle: 2, MaintenanceInterval: time.Hour})
	waitFor(t, "MinIdle resources", func() bool { return p.Stats().Idle == 2 })
	r := acquire(t, p)
	r.Destroy()
	waitFor(t, "the refill after a destroy", func() bool { return p.Stats().Idle == 2 })
	if f.made.Load() != 3 {
		t.Errorf("made %d, want 3", f.made.Load())
	}
}

func TestCheckOnAcquireAfterIdle(t *testing.T) {
	var checks atomic.Int32
	var fail atomic.Bool
	p, f := newPool(t, Config[*conn]{MaxSize: 1, CheckAfterIdle: time.Minute,
		Check: func(ctx context.Context, c *conn) error {
			checks.Add(1)
			if _, ok := ctx.Deadline(); !ok {
				t.Error("Check without a deadline")
			}
			if fail.Load() {
				return errRefused
			}
			return nil
		}})
	r := acquire(t, p)
	r.Release()
	setClock(p, 30*time.Second)
	r = acquire(t, p)
	if checks.Load() != 0 {
		t.Fatal("checked a resource idle for less than CheckAfterIdle")
	}
	r.Release() // idle since 30s
	setClock(p, 2*time.Minute)
	r = acquire(t, p)
	if checks.Load() != 1 {
		t.Fatalf("%d checks, want 1", checks.Load())
	}
	old := r.Value()
	r.Release() // idle since 2m
	fail.Store(true)
	setClock(p, 4*time.Minute)
	r = acquire(t, p) // the check fails: a new resource
	if r.Value() == old || old.closes.Load() != 1 {
		t.Fatal("a resource that failed its check was handed out")
	}
	r.Release()
	if s := p.Stats(); s.Destroyed.CheckFailed != 1 || s.Checks != 2 || f.made.Load() != 2 || s.Acquires != 4 {
		t.Errorf("stats %#v", s)
	}
}

func TestCheckEveryAcquireAndPanics(t *testing.T) {
	var checks atomic.Int32
	p, _ := newPool(t, Config[*conn]{MaxSize: 1,
		Check: func(ctx context.Context, c *conn) error {
			if checks.Add(1) == 2 {
				panic("check boom")
			}
			return nil
		}})
	r := acquire(t, p) // fresh: no check
	first := r.Value()
	r.Release()
	r = acquire(t, p) // check 1 passes
	r.Release()
	r = acquire(t, p) // check 2 panics: first is destroyed, a new one made
	if r.Value() == first || first.closes.Load() != 1 {
		t.Fatal("a resource whose check panicked was handed out")
	}
	r.Release()
	if s := p.Stats(); s.Destroyed.CheckFailed != 1 || s.Checks != 2 {
		t.Errorf("stats %+v", s)
	}
}

// A caller whose context ends during a check gets its context error, and the
// resource, which did nothing wrong, goes back to the pool.
func TestCheckInterruptedByCallerKeepsResource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, _ := newPool(t, Config[*conn]{MaxSize: 1,
		Check: func(cctx context.Context, c *conn) error {
			cancel()
			<-cctx.Done()
			return cctx.Err()
		}})
	r := acquire(t, p) // fresh from New: not checked
	r.Release()
	_, err := p.Acquire(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the context error of the interrupted check", err)
	}
	if s := p.Stats(); s.Idle != 1 || s.Destroyed.Total() != 0 || s.Acquires != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestCheckIdleEvery(t *testing.T) {
	var checks atomic.Int32
	var fail atomic.Bool
	p, _ := newPool(t, Config[*conn]{MaxSize: 2, CheckAfterIdle: time.Hour, CheckIdleEvery: time.Minute,
		Check: func(ctx context.Context, c *conn) error {
			checks.Add(1)
			if fail.Load() {
				return errRefused
			}
			return nil
		}})
	a, b := acquire(t, p), acquire(t, p)
	a.Release()
	b.Release()
	tick(p, 30*time.Second)
	if checks.Load() != 0 {
		t.Fatal("checked too early")
	}
	tick(p, 2*time.Minute)
	if checks.Load() != 2 {
		t.Fatalf("%d checks, want 2", checks.Load())
	}
	tick(p, 2*time.Minute+30*time.Second) // checked 30s ago: not again
	if checks.Load() != 2 {
		t.Fatalf("%d checks, want 2", checks.Load())
	}
	fail.Store(true)
	tick(p, 4*time.Minute)
	if s := p.Stats(); s.Destroyed.CheckFailed != 2 || s.Total != 0 {
		t.Errorf("stats %+v", s)
	}
}

func holdWithoutReleasing(t *testing.T, p *Pool[*conn]) Resource[*conn] {
	return acquire(t, p)
}

func TestLeakReportedOnceWithStack(t *testing.T) {
	var mu sync.Mutex
	var leaks []Leak
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, LeakTimeout: time.Minute,
		OnLeak: func(l Leak) {
			mu.Lock()
			leaks = append(leaks, l)
			mu.Unlock()
		}})
	r := holdWithoutReleasing(t, p)
	tick(p, 30*time.Second)
	tick(p, 2*time.Minute)
	tick(p, 3*time.Minute)
	mu.Lock()
	if len(leaks) != 1 {
		t.Fatalf("%d leak reports, want 1", len(leaks))
	}
	l := leaks[0]
	mu.Unlock()
	if !strings.Contains(l.Stack, "holdWithoutReleasing") || strings.Contains(l.Stack, "pool.(*Pool") {
		t.Errorf("stack does not start at the borrower:\n%s", l.Stack)
	}
	if l.HeldFor < time.Minute {
		t.Errorf("HeldFor %v", l.HeldFor)
	}
	r.Release()
	if s := p.Stats(); s.LeaksReported != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestOnLeakPanicIsContained(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, LeakTimeout: time.Minute,
		OnLeak: func(Leak) { panic("leak boom") }})
	r := acquire(t, p)
	tick(p, 2*time.Minute)
	r.Release()
	r = acquire(t, p) // still works
	r.Release()
}
