package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSmoke(t *testing.T) {
	var made, closed atomic.Int64
	p, err := New(Config[int]{
		New:     func(ctx context.Context) (int, error) { return int(made.Add(1)), nil },
		Close:   func(int) error { closed.Add(1); return nil },
		MaxSize: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	var holders [4]atomic.Int32
	for g := 0; g < 10; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				r, err := p.Acquire(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				v := r.Value()
				if holders[v].Add(1) != 1 {
					t.Error("two holders")
				}
				holders[v].Add(-1)
				r.Release()
			}
		}()
	}
	wg.Wait()
	s := p.Stats()
	t.Logf("%+v", s)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.Close(cctx); err != nil {
		t.Fatal(err)
	}
	if made.Load() != closed.Load() || made.Load() > 3 {
		t.Fatalf("made %d closed %d", made.Load(), closed.Load())
	}
}
