package pool

import (
	"context"
	"errors"
	"testing"
)

func TestResizeGrowWakesWaiters(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	ch := acquireAsync(t, p, context.Background())
	if err := p.Resize(2); err != nil {
		t.Fatal(err)
	}
	got := recv(t, ch)
	if got.err != nil || got.r.Value() == r.Value() {
		t.Fatalf("waiter got %v %v", got.r, got.err)
	}
	got.r.Release()
	r.Release()
	if s := p.Stats(); s.MaxSize != 2 || s.Total != 2 {
		t.Errorf("stats %v", s)
	}
}

// Growing past the capacity of the shared queue replaces it; waiters blocked
// on the old queue move to the new one.
func TestResizeGrowReplacesQueueUnderWaiters(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	var waiters []<-chan result
	for range 3 {
		waiters = append(waiters, acquireAsync(t, p, context.Background()))
	}
	old := p.queue.Load()
	if err := p.Resize(100); err != nil {
		t.Fatal(err)
	}
	if p.queue.Load() == old {
		t.Fatal("queue not replaced")
	}
	for _, ch := range waiters {
		got := recv(t, ch)
		if got.err != nil {
			t.Fatal(got.err)
		}
		defer got.r.Release()
	}
	r.Release()
	// Waiters moving queues may briefly be counted twice, which can start a
	// spare create; the spare only ever goes idle.
	if made := f.made.Load(); made < 4 || made > 7 {
		t.Errorf("made %d, want 4 (or a few spare)", made)
	}
}

func TestResizeShrink(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 4})
	var rs []Resource[*conn]
	for range 4 {
		rs = append(rs, acquire(t, p))
	}
	rs[0].Release()
	rs[1].Release()
	if err := p.Resize(1); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Idle != 0 || s.Total != 2 || s.Destroyed.Resize != 2 {
		t.Fatalf("idle surplus not closed at once: %+v", s)
	}
	// While the pool is over its new size a waiter is not served: the
	// released surplus is closed instead.
	ch := acquireAsync(t, p, context.Background())
	rs[2].Release()
	if s := p.Stats(); s.Total != 1 || s.Destroyed.Resize != 3 {
		t.Fatalf("surplus not closed on release: %+v", s)
	}
	select {
	case got := <-ch:
		t.Fatalf("a waiter was served while the pool was over its size: %v", got.err)
	default:
	}
	last := rs[3].Value()
	rs[3].Release()
	got := recv(t, ch)
	if got.err != nil || got.r.Value() != last {
		t.Fatalf("waiter got %v %v", got.r, got.err)
	}
	got.r.Release()
	if open := f.open(); open != 1 {
		t.Errorf("%d conns open, want 1", open)
	}
	if p.mode.Load()&flagShrinking != 0 {
		t.Error("still marked shrinking at the new size")
	}
}

// A create that was running when the pool shrank does not push it past the
// new size.
func TestResizeShrinkDuringCreate(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	r := acquire(t, p)
	entered := make(chan struct{})
	proceed := make(chan struct{})
	f.newHook = func(context.Context) error {
		close(entered)
		<-proceed
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx)
		ch <- err
	}()
	<-entered
	if err := p.Resize(1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := recv(t, ch); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	close(proceed)
	waitFor(t, "the late create to be closed", func() bool { return p.Stats().Total == 1 })
	if s := p.Stats(); s.Destroyed.Resize != 1 || f.open() != 1 {
		t.Errorf("stats %+v open %d", s, f.open())
	}
	r.Release()
}

func TestResizeRejectsBadSizes(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 4, MinIdle: 2})
	for _, n := range []int{0, -1, 1, maxSizeLimit + 1} {
		var ce *ConfigError
		if err := p.Resize(n); !errors.As(err, &ce) || ce.Field != "MaxSize" {
			t.Errorf("Resize(%d): %v, want a *ConfigError for MaxSize", n, err)
		}
	}
	if err := p.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(3); !errors.Is(err, ErrClosed) {
		t.Errorf("Resize after Close: %v", err)
	}
}
