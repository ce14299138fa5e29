package pool

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestStress: many goroutines on a tiny pool with random hold times,
// cancellations, destroys, hijacks, failing creates and checks, and a
// maintainer running all along. No two callers may ever hold one resource,
// the open count may never exceed MaxSize, and every resource made is closed
// exactly once.
func TestStress(t *testing.T) {
	const maxSize = 3
	var hijackedOpen atomic.Int64
	f := &factory{t: t}
	f.newHook = func(ctx context.Context) error {
		if open := f.open() + 1 - hijackedOpen.Load(); open > maxSize {
			t.Errorf("creating a conn with %d already open, max %d", open-1, maxSize)
		}
		if rand.N(20) == 0 {
			return errRefused
		}
		return nil
	}
	p, err := New(Config[*conn]{
		New: f.New, Close: f.Close, MaxSize: maxSize, MinIdle: 1,
		Check: func(ctx context.Context, c *conn) error {
			if rand.N(50) == 0 {
				return errRefused
			}
			return nil
		},
		CheckAfterIdle:      time.Millisecond,
		MaxLifetime:         20 * time.Millisecond,
		LifetimeJitter:      10 * time.Millisecond,
		MaxIdleTime:         5 * time.Millisecond,
		CreateBackoff:       time.Microsecond,
		MaxCreateBackoff:    time.Millisecond,
		MaintenanceInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	goroutines, rounds := 32, 400
	if testing.Short() {
		rounds = 100
	}
	var wg sync.WaitGroup
	var served, failed atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.N(2000))*time.Microsecond)
				r, err := p.Acquire(ctx)
				cancel()
				if err != nil {
					var ce *CreateError
					if !errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &ce) {
						t.Errorf("Acquire: %v", err)
					}
					failed.Add(1)
					continue
				}
				served.Add(1)
				c := r.Value()
				c.use(t)
				if d := rand.N(100); d < 30 {
					time.Sleep(time.Duration(d) * time.Microsecond)
				}
				c.done()
				switch rand.N(100) {
				case 0, 1, 2:
					r.Destroy()
				case 3:
					hijackedOpen.Add(1)
					h := r.Hijack()
					h.closes.Add(1)
					f.closed.Add(1)
					hijackedOpen.Add(-1)
				default:
					r.Release()
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	f.checkAllClosed(t)
	s := p.Stats()
	t.Logf("served %d, failed %d; %+v", served.Load(), failed.Load(), s)
	if served.Load() == 0 || s.Acquires != uint64(served.Load()) {
		t.Errorf("served %d but Stats.Acquires %d", served.Load(), s.Acquires)
	}
	if s.Total != 0 || f.open() != 0 {
		t.Errorf("after Close: total %d, open %d", s.Total, f.open())
	}
}

// TestStressResize resizes the pool up and down while callers hammer it: the
// open count never exceeds the largest size in force, and never grows while
// the pool is over its current size.
func TestStressResize(t *testing.T) {
	f := &factory{t: t}
	var bound atomic.Int64 // largest MaxSize the pool may still be draining from
	bound.Store(4)
	var overBound atomic.Int64
	f.newHook = func(context.Context) error {
		if open := f.open() + 1; open > bound.Load() {
			overBound.Add(1)
		}
		return nil
	}
	p, err := New(Config[*conn]{New: f.New, Close: f.Close, MaxSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
				r, err := p.Acquire(ctx)
				cancel()
				if err != nil {
					continue
				}
				r.Value().use(t)
				r.Value().done()
				r.Release()
			}
		}()
	}
	for i := 0; i < 200; i++ {
		n := 1 + rand.N(8)
		if int64(n) > bound.Load() {
			bound.Store(int64(n)) // raise the bound before the pool may grow
		}
		if err := p.Resize(n); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Microsecond)
		if s := p.Stats(); s.Total <= n {
			bound.Store(int64(max(n, s.Total))) // drained to the new size
		}
	}
	close(stop)
	wg.Wait()
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.checkAllClosed(t)
	if overBound.Load() != 0 {
		t.Errorf("%d creates past the size bound", overBound.Load())
	}
}
