package pool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestAcquireReleaseReuses(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	r := acquire(t, p)
	c := r.Value()
	r.Release()
	r2 := acquire(t, p)
	if r2.Value() != c {
		t.Errorf("got a new conn instead of the idle one")
	}
	r2.Release()
	if f.made.Load() != 1 {
		t.Errorf("made %d conns, want 1", f.made.Load())
	}
	s := p.Stats()
	if s.Acquires != 2 || s.Idle != 1 || s.InUse != 0 || s.Total != 1 || s.Creates != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestAcquireGrowsToMaxSizeAndWaits(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 3})
	var held []Resource[*conn]
	for range 3 {
		held = append(held, acquire(t, p))
	}
	if f.made.Load() != 3 {
		t.Fatalf("made %d, want 3", f.made.Load())
	}
	ch := acquireAsync(t, p, context.Background())
	if f.made.Load() != 3 {
		t.Errorf("a waiter made the pool grow past MaxSize")
	}
	c := held[1].Value()
	held[1].Release()
	got := recv(t, ch)
	if got.err != nil || got.r.Value() != c {
		t.Fatalf("waiter got %v, %v; want the released conn", got.r, got.err)
	}
	got.r.Release()
	held[0].Release()
	held[2].Release()
	// 3 acquires waited for creates, 1 for a release (more if the per-CPU
	// cache dropped an entry, as it may under the race detector).
	if s := p.Stats(); s.Waits < 4 || s.WaitTime <= 0 {
		t.Errorf("waits %d, wait time %v; want 4 and some", s.Waits, s.WaitTime)
	}
	// A wait that ends without a resource counts too, and the waits counted
	// on a resource stay counted when it is destroyed.
	held = []Resource[*conn]{acquire(t, p), acquire(t, p), acquire(t, p)}
	before := p.Stats().Waits
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx); err == nil {
		t.Fatal("acquired from a full pool")
	}
	held[0].Destroy()
	if s := p.Stats(); s.Waits != before+1 {
		t.Errorf("waits %d, want %d", s.Waits, before+1)
	}
	held[1].Release()
	held[2].Release()
}

func TestWaitersServedFirstComeFirstServed(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	var order []<-chan result
	for range 5 {
		order = append(order, acquireAsync(t, p, context.Background()))
	}
	for i, ch := range order {
		r.Release()
		got := recv(t, ch)
		if got.err != nil {
			t.Fatalf("waiter %d: %v", i, got.err)
		}
		for j, later := range order[i+1:] {
			select {
			case <-later:
				t.Fatalf("waiter %d was served before waiter %d", i+1+j, i)
			default:
			}
		}
		r = got.r
	}
	r.Release()
}

func TestTryAcquire(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1})
	ctx := context.Background()
	if _, err := p.TryAcquire(ctx); !errors.Is(err, ErrExhausted) {
		t.Fatalf("TryAcquire on an empty pool: %v, want ErrExhausted", err)
	}
	// It started a create in the background; the resource becomes idle.
	waitFor(t, "the background create", func() bool { return p.Stats().Idle == 1 })
	r, err := p.TryAcquire(ctx)
	if err != nil {
		t.Fatalf("TryAcquire with an idle resource: %v", err)
	}
	if _, err := p.TryAcquire(ctx); !errors.Is(err, ErrExhausted) {
		t.Fatalf("TryAcquire on a full pool: %v, want ErrExhausted", err)
	}
	r.Release()
	if f.made.Load() != 1 {
		t.Errorf("made %d, want 1", f.made.Load())
	}
}

func TestTryAcquireFindsResourcesTheCacheForgot(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	a, b := acquire(t, p), acquire(t, p)
	a.Release()
	b.Release()
	// Empty the per-CPU cache, as a GC does.
	for p.cache.Get() != nil {
	}
	for range 2 {
		r, err := p.TryAcquire(context.Background())
		if err != nil {
			t.Fatalf("TryAcquire: %v", err)
		}
		defer r.Release()
	}
	if f.made.Load() != 2 {
		t.Errorf("made %d, want 2: idle resources were not found", f.made.Load())
	}
}

func TestAcquireFindsResourcesTheCacheForgot(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	a, b := acquire(t, p), acquire(t, p)
	a.Release()
	b.Release()
	for p.cache.Get() != nil {
	}
	x, y := acquire(t, p), acquire(t, p)
	x.Release()
	y.Release()
	if f.made.Load() != 2 {
		t.Errorf("made %d, want 2: idle resources were not found", f.made.Load())
	}
}

func TestAcquireContextErrors(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	defer r.Release()

	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := p.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: got %v, want context.DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	ch := acquireAsync(t, p, ctx)
	cancel()
	if got := recv(t, ch); !errors.Is(got.err, context.Canceled) {
		t.Errorf("cancel: got %v, want context.Canceled", got.err)
	}

	// Already done before the call: fails at once even though... the pool
	// is full anyway; and with an idle resource too.
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if _, err := p.Acquire(done); !errors.Is(err, context.Canceled) {
		t.Errorf("done context: got %v", err)
	}
	s := p.Stats()
	if s.TimedOutAcquires != 1 || s.CanceledAcquires != 2 {
		t.Errorf("timeouts %d canceled %d, want 1 and 2", s.TimedOutAcquires, s.CanceledAcquires)
	}
}

func TestAcquireTimeoutAppliesWithoutDeadline(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, AcquireTimeout: time.Millisecond})
	r := acquire(t, p)
	_, err := p.Acquire(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want an error matching context.DeadlineExceeded", err)
	}
	// A context deadline takes precedence: here a long one, so the acquire
	// is served by the release below rather than timing out.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch := acquireAsync(t, p, ctx)
	time.Sleep(5 * time.Millisecond) // well past AcquireTimeout
	select {
	case got := <-ch:
		t.Fatalf("AcquireTimeout overrode the context deadline: %v", got.err)
	default:
	}
	r.Release()
	got := recv(t, ch)
	if got.err != nil {
		t.Fatal(got.err)
	}
	got.r.Release()
}

// A waiter that gives up must neither consume nor lose a resource, even when
// it gives up at the moment a resource is handed to it.
func TestCanceledWaitersNeverLoseResources(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%50)*time.Microsecond)
				r, err := p.Acquire(ctx)
				cancel()
				if err != nil {
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Error(err)
					}
					continue
				}
				r.Value().use(t)
				r.Value().done()
				r.Release()
			}
		}()
	}
	wg.Wait()
	checkInvariants(t, p, f)
	// Both resources must still be acquirable.
	a, b := acquire(t, p), acquire(t, p)
	if a.Value() == b.Value() {
		t.Fatal("one conn handed out twice")
	}
	a.Release()
	b.Release()
	if s := p.Stats(); s.Total != 2 || s.Idle != 2 || s.Waiting != 0 {
		t.Errorf("after the storm: %v", s)
	}
}

// LIFO keeps a hot set: serial use keeps reusing the resource just
// released and leaves the others idle, so they can age out. FIFO rotates
// through all of them.
func TestIdleOrder(t *testing.T) {
	for _, order := range []Order{LIFO, FIFO} {
		t.Run(order.String(), func(t *testing.T) {
			if order == LIFO && raceEnabled {
				t.Skip("the race detector makes sync.Pool drop entries at random")
			}
			p, _ := newPool(t, Config[*conn]{MaxSize: 4, Order: order})
			rs := []Resource[*conn]{acquire(t, p), acquire(t, p), acquire(t, p), acquire(t, p)}
			for _, r := range rs {
				r.Release()
			}
			used := map[*conn]int{}
			for range 100 {
				r := acquire(t, p)
				used[r.Value()]++
				r.Release()
			}
			switch {
			case order == FIFO && len(used) != 4:
				t.Errorf("FIFO used %d of 4 resources, want all in turn", len(used))
			case order == FIFO:
				for c, n := range used {
					if n != 25 {
						t.Errorf("FIFO used conn %d %d times, want 25", c.id, n)
					}
				}
			case len(used) > 2: // a goroutine moved to another CPU may pick up a second one
				t.Errorf("LIFO used %d of 4 resources for serial work, want a hot set of 1 or 2", len(used))
			}
		})
	}
}

func TestResourceCreatedAt(t *testing.T) {
	before := time.Now()
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	defer r.Release()
	if at := r.CreatedAt(); at.Before(before) || at.After(time.Now()) {
		t.Errorf("CreatedAt %v not between %v and now", at, before)
	}
}
