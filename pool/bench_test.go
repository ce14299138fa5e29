package pool

import (
	"context"
	"testing"
	"time"
)

func benchPool(b *testing.B, cfg Config[*int]) *Pool[*int] {
	b.Helper()
	if cfg.New == nil {
		cfg.New = func(context.Context) (*int, error) { return new(int), nil }
	}
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			b.Error(err)
		}
	})
	// Warm the pool to its full size so creation is not measured.
	rs := make([]Resource[*int], 0, cfg.MaxSize)
	for range cfg.MaxSize {
		r, err := p.Acquire(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r)
	}
	for _, r := range rs {
		r.Release()
	}
	return p
}

func cycle(b *testing.B, p *Pool[*int]) {
	r, err := p.Acquire(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	*r.Value()++
	r.Release()
}

func BenchmarkAcquireRelease(b *testing.B) {
	b.Run("uncontended", func(b *testing.B) {
		p := benchPool(b, Config[*int]{MaxSize: 8})
		b.ReportAllocs()
		for b.Loop() {
			cycle(b, p)
		}
	})
	for _, size := range []int{8, 1000} {
		for _, par := range []int{1, 64} {
			b.Run("goroutines="+itoa(par*2)+"/max="+itoa(size), func(b *testing.B) {
				p := benchPool(b, Config[*int]{MaxSize: size})
				b.ReportAllocs()
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						cycle(b, p)
					}
				})
			})
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
