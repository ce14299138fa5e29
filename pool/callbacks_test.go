package pool

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// Callbacks run with no lock of the pool held: each one here takes the
// pool's lock itself (through Stats), which would deadlock otherwise.
func TestCallbacksRunWithoutLock(t *testing.T) {
	var p *Pool[*conn]
	f := &factory{t: t}
	var mu sync.Mutex
	calls := map[string]int{}
	note := func(name string) {
		p.Stats()
		mu.Lock()
		calls[name]++
		mu.Unlock()
	}
	var err error
	p, err = New(Config[*conn]{
		New: func(ctx context.Context) (*conn, error) {
			note("New")
			return f.New(ctx)
		},
		Close: func(c *conn) error {
			note("Close")
			return f.Close(c)
		},
		Check: func(context.Context, *conn) error {
			note("Check")
			return nil
		},
		OnLeak:              func(Leak) { note("OnLeak") },
		LeakTimeout:         time.Minute,
		CheckIdleEvery:      time.Minute,
		MaxSize:             2,
		MaintenanceInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		a := acquire(t, p)
		b := acquire(t, p)
		b.Release()
		b = acquire(t, p) // checked on acquire
		b.Release()
		p.maintain(int64(2 * time.Minute)) // checks b while idle, reports a as leaked
		a.Destroy()
		if err := p.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a callback ran under the pool's lock: deadlock")
	}
	for _, name := range []string{"New", "Close", "Check", "OnLeak"} {
		if calls[name] == 0 {
			t.Errorf("%s never ran", name)
		}
	}
}

func TestLoggerReportsLeaksAndCloseErrors(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	p, _ := newPool(t, Config[*conn]{MaxSize: 1, LeakTimeout: time.Minute, Logger: logger})
	r := acquire(t, p)
	tick(p, 2*time.Minute)
	r.Release()
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "resource leak suspected") || !strings.Contains(out, "TestLoggerReportsLeaksAndCloseErrors") {
		t.Errorf("log lacks the leak and its stack:\n%s", out)
	}

	buf.Reset()
	q, err := New(Config[int]{
		New:     func(context.Context) (int, error) { return 1, nil },
		Close:   func(int) error { return errRefused },
		MaxSize: 1,
		Logger:  logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := q.Acquire(context.Background())
	r2.Destroy()
	q.Close(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "Close failed") || !strings.Contains(buf.String(), errRefused.Error()) {
		t.Errorf("log lacks the close error:\n%s", buf.String())
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
