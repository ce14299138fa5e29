package pool

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

func TestDoubleReleasePanics(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	r.Release()
	e := mustPanicMisuse(t, r.Release)
	if e.Op != "Release" || !strings.Contains(e.Error(), "already released") {
		t.Errorf("got %q", e)
	}
	if !errors.Is(e, ErrMisuse) {
		t.Errorf("%v does not match ErrMisuse", e)
	}
}

func TestStaleHandleCannotTouchTheNewLoan(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	old := acquire(t, p)
	old.Release()
	current := acquire(t, p) // the same conn, lent again
	for name, f := range map[string]func(){
		"Value":   func() { old.Value() },
		"Release": old.Release,
		"Destroy": old.Destroy,
		"Hijack":  func() { old.Hijack() },
	} {
		e := mustPanicMisuse(t, f)
		if e.Op != name || !strings.Contains(e.Reason, "lent again") {
			t.Errorf("%s: got %q", name, e)
		}
	}
	// The current loan is untouched.
	current.Value().use(t)
	current.Value().done()
	current.Release()
	if s := p.Stats(); s.Idle != 1 || s.Total != 1 {
		t.Errorf("stats %v", s)
	}
}

func TestUseAfterDestroyAndHijackPanics(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 2})
	d := acquire(t, p)
	d.Destroy()
	e := mustPanicMisuse(t, d.Release)
	if !strings.Contains(e.Reason, "destroyed or hijacked") {
		t.Errorf("Release after Destroy: %q", e)
	}
	h := acquire(t, p)
	c := h.Hijack()
	defer c.closes.Add(1) // the caller owns it now; count it as closed
	mustPanicMisuse(t, func() { h.Value() })
	mustPanicMisuse(t, h.Destroy)
}

func TestZeroResourcePanics(t *testing.T) {
	var r Resource[*conn]
	e := mustPanicMisuse(t, r.Release)
	if !strings.Contains(e.Reason, "zero Resource") {
		t.Errorf("got %q", e)
	}
}

// Two goroutines releasing the same handle at once: exactly one succeeds.
func TestConcurrentDoubleReleaseOneWins(t *testing.T) {
	p, _ := newPool(t, Config[*conn]{MaxSize: 1})
	for range 200 {
		r := acquire(t, p)
		var wg sync.WaitGroup
		var mu sync.Mutex
		panics := 0
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					if v := recover(); v != nil {
						if _, ok := v.(*MisuseError); !ok {
							t.Errorf("panic %v", v)
						}
						mu.Lock()
						panics++
						mu.Unlock()
					}
				}()
				r.Release()
			}()
		}
		wg.Wait()
		if panics != 1 {
			t.Fatalf("%d of 2 concurrent releases panicked, want 1", panics)
		}
	}
	if s := p.Stats(); s.Total != 1 || s.Idle != 1 {
		t.Errorf("stats %v", s)
	}
}

func TestHijackFreesTheSlot(t *testing.T) {
	p, f := newPool(t, Config[*conn]{MaxSize: 1})
	r := acquire(t, p)
	c := r.Hijack()
	if c.closes.Load() != 0 {
		t.Fatal("the pool closed a hijacked resource")
	}
	r2 := acquire(t, p) // the slot is free: a new conn
	if r2.Value() == c {
		t.Fatal("the pool handed out a hijacked resource")
	}
	r2.Release()
	if s := p.Stats(); s.Hijacked != 1 || s.Total != 1 {
		t.Errorf("stats %+v", s)
	}
	c.closes.Add(1) // the caller's close
	f.closed.Add(1)
}
