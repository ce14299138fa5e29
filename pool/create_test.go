package pool

import (
	"context"
	"errors"
	"testing"
	"time"
)

// go-commons-pool regression: a failed create must not leave the waiters
// sleeping until their deadline. The longest waiter gets the error.
func TestFailedCreateWakesWaiterWithError(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: time.Hour})
	f.failing.Store(true)
	_, err := p.Acquire(context.Background()) // no deadline: must not hang
	var ce *CreateError
	if !errors.As(err, &ce) || !errors.Is(err, errRefused) {
		t.Fatalf("got %v, want a *CreateError wrapping the New error", err)
	}
	s := p.Stats()
	if s.Total != 0 || s.CreateFailures != 1 || s.Creating != 0 {
		t.Errorf("the failed create kept its slot: %+v", s)
	}
}

func TestFailedCreateFreesSlotForNextWaiter(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: time.Millisecond})
	f.failing.Store(true)
	if _, err := p.Acquire(context.Background()); !errors.Is(err, errRefused) {
		t.Fatalf("got %v", err)
	}
	f.failing.Store(false)
	r := acquire(t, p) // the slot is free again and the device is back
	r.Release()
}

// Consecutive failures back off: with a long backoff the second create does
// not run at all, and the waiter times out naming the last create error.
func TestCreateFailuresBackOff(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: time.Hour})
	f.failing.Store(true)
	if _, err := p.Acquire(context.Background()); !errors.Is(err, errRefused) {
		t.Fatalf("first acquire: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := p.Acquire(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, errRefused) {
		t.Fatalf("second acquire: %v, want a deadline error naming the create error", err)
	}
	if f.made.Load() != 0 || p.Stats().CreateFailures != 1 {
		t.Errorf("New ran again during the backoff")
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: 10 * time.Millisecond, MaxCreateBackoff: 80 * time.Millisecond})
	for streak, max := range map[int64]time.Duration{1: 10, 2: 20, 3: 40, 4: 80, 10: 80} {
		max *= time.Millisecond
		for range 20 {
			d := p.backoff(streak)
			if d < max/2 || d > max {
				t.Errorf("backoff(%d) = %v, want within [%v, %v]", streak, d, max/2, max)
			}
		}
	}
}

func TestNewPanicIsContained(t *testing.T) {
	calls := 0
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: time.Millisecond, New: func(context.Context) (*conn, error) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		return &conn{}, nil
	}})
	_, err := p.Acquire(context.Background())
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Callback != "New" || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("got %v, want a *PanicError from New", err)
	}
	r := acquire(t, p) // the pool still works
	c := r.Value()
	r.Release()
	_ = c
}

// A slow New must not hold up a caller that a release can serve.
func TestSlowCreateDoesNotBlockOthers(t *testing.T) {
	unblock := make(chan struct{})
	p, f := newPool(t, Config[*conn]{MaxSize: 2})
	r := acquire(t, p)
	f.newHook = func(ctx context.Context) error {
		select {
		case <-unblock:
		case <-ctx.Done():
		}
		return nil
	}
	ch := acquireAsync(t, p, context.Background()) // starts the slow create
	waitFor(t, "the slow create", func() bool { return p.Stats().Creating == 1 })
	c := r.Value()
	r.Release() // serves the waiter at once
	got := recv(t, ch)
	if got.err != nil || got.r.Value() != c {
		t.Fatalf("waiter got %v %v, want the released conn", got.r, got.err)
	}
	close(unblock) // the slow create finishes and its conn goes idle
	waitFor(t, "the slow create to finish", func() bool { return p.Stats().Idle == 1 })
	got.r.Release()
}

func TestNewSeesCallerValuesAndTimeout(t *testing.T) {
	type key struct{}
	var sawValue any
	var sawDeadline bool
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, CreateTimeout: time.Minute,
		New: func(ctx context.Context) (*conn, error) {
			sawValue = ctx.Value(key{})
			_, sawDeadline = ctx.Deadline()
			return &conn{}, nil
		}})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "trace-42"))
	r, err := p.Acquire(ctx)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	if sawValue != "trace-42" || !sawDeadline {
		t.Errorf("New saw value %v deadline %v", sawValue, sawDeadline)
	}
}

func TestCreateTimeoutCancelsNew(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1, CreateTimeout: time.Millisecond, CreateBackoff: time.Hour})
	f.newHook = func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	_, err := p.Acquire(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the create's deadline error", err)
	}
	var ce *CreateError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T, want *CreateError", err)
	}
}

// A create that finishes after Close neither leaks its resource nor keeps
// Close from returning.
func TestCreateFinishingAfterClose(t *testing.T) {
	f := &factory{t: t}
	entered := make(chan struct{})
	release := make(chan struct{})
	f.newHook = func(ctx context.Context) error {
		close(entered)
		<-release // ignores ctx on purpose, as a stubborn driver might
		return nil
	}
	p, err := New(Config[*conn]{New: f.New, Close: f.Close, MaxSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() {
		_, err := p.Acquire(context.Background())
		ch <- err
	}()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- p.Close(context.Background()) }()
	if err := recv(t, ch); !errors.Is(err, ErrClosed) {
		t.Errorf("waiter got %v, want ErrClosed", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned %v while a create was still running", err)
	case <-time.After(5 * time.Millisecond):
	}
	close(release)
	if err := recv(t, closed); err != nil {
		t.Fatal(err)
	}
	if f.made.Load() != 1 || f.closed.Load() != 1 {
		t.Errorf("made %d closed %d", f.made.Load(), f.closed.Load())
	}
}

func TestDestroyFreesSlotAndServesWaiter(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	broken := r.Value()
	ch := acquireAsync(t, p, context.Background())
	r.Destroy()
	if broken.closes.Load() != 1 {
		t.Fatal("Destroy did not close the resource")
	}
	got := recv(t, ch)
	if got.err != nil || got.r.Value() == broken {
		t.Fatalf("waiter got %v %v, want a fresh conn", got.r, got.err)
	}
	got.r.Release()
	if s := p.Stats(); s.Destroyed.Explicit != 1 || s.Total != 1 || f.made.Load() != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestCloseErrorsAndPanicsAreContained(t *testing.T) {
	n := 0
	p, err := New(Config[int]{
		New: func(context.Context) (int, error) { n++; return n, nil },
		Close: func(v int) error {
			if v == 1 {
				panic("close boom")
			}
			return errRefused
		},
		MaxSize: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := p.Acquire(ctx)
	b, _ := p.Acquire(ctx)
	a.Destroy()
	b.Destroy()
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.CloseErrors != 2 || s.Total != 0 {
		t.Errorf("stats %+v", s)
	}
}

// A create that fails before its waiter has begun to wait still reaches that
// waiter: the waiter notes which failures are news to it before the create
// starts, not after (a failure in between was ignored, and with a long
// backoff the waiter slept until its deadline).
func TestFastFailingCreateReachesItsWaiter(t *testing.T) {
	for i := range 300 {
		p, f := newPool(t, Config[*conn]{MaxSize: 1, CreateBackoff: time.Hour})
		f.failing.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := p.Acquire(ctx)
		cancel()
		if !errors.Is(err, errRefused) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("attempt %d: got %v, want the create's error at once", i, err)
		}
		p.Close(context.Background())
	}
}
