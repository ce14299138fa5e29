package pool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestCloseFailsWaitersAndNewCallers(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	var waiters []<-chan result
	for range 3 {
		waiters = append(waiters, acquireAsync(t, p, context.Background()))
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close(context.Background()) }()
	for _, ch := range waiters {
		if got := recv(t, ch); !errors.Is(got.err, ErrClosed) {
			t.Errorf("waiter got %v, want ErrClosed", got.err)
		}
	}
	if _, err := p.Acquire(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Acquire after Close: %v", err)
	}
	if _, err := p.TryAcquire(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("TryAcquire after Close: %v", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v with a resource still lent", err)
	default:
	}
	c := r.Value()
	r.Release() // closed now, not pooled
	if err := recv(t, closed); err != nil {
		t.Fatal(err)
	}
	if c.closes.Load() != 1 || f.open() != 0 {
		t.Errorf("after Close: %d conns open", f.open())
	}
}

func TestCloseClosesIdleAtOnce(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 3, Order: FIFO})
	rs := []Resource[*conn]{acquire(t, p), acquire(t, p), acquire(t, p)}
	for _, r := range rs {
		r.Release()
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.open() != 0 {
		t.Fatalf("%d conns open after Close", f.open())
	}
	if s := p.Stats(); s.Destroyed.Closed != 3 {
		t.Errorf("stats %+v", s)
	}
}

func TestCloseDeadlineReportsWhatIsOut(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 2, LeakTimeout: time.Hour})
	r := acquire(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	err := p.Close(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a *CloseError matching the deadline", err)
	}
	if ce.InUse != 1 || len(ce.Leaks) != 1 {
		t.Errorf("CloseError %+v", ce)
	}
	r.Release()
	if err := p.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// Close while the maintainer is creating, checking and trimming.
func TestCloseDuringMaintenance(t *testing.T) {
	for range 20 {
		f := &factory{t: t}
		f.newHook = func(context.Context) error { time.Sleep(50 * time.Microsecond); return nil }
		p, err := New(Config[*conn]{New: f.New, Close: f.Close, MaxSize: 8, MinIdle: 4, MaxIdle: 6,
			MaxIdleTime: time.Millisecond, Check: func(context.Context, *conn) error { return nil },
			CheckIdleEvery: time.Millisecond, MaintenanceInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					r, err := p.Acquire(context.Background())
					if err != nil {
						if !errors.Is(err, ErrClosed) {
							t.Error(err)
						}
						return
					}
					r.Release()
				}
			}()
		}
		time.Sleep(2 * time.Millisecond)
		if err := p.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if f.open() != 0 {
			t.Fatalf("%d conns open after Close", f.open())
		}
		f.checkAllClosed(t)
	}
}

func TestCloseTwiceAndConcurrently(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 2})
	r := acquire(t, p)
	r.Release()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Close(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
