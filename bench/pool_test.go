package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/puddle/v2"
	commons "github.com/jolestar/go-commons-pool/v2"
	"github.com/udpool/udpool/pool"
)

// A contender runs acquire+release cycles on a pool of max resources. Each
// cycle is one call of a closure, the same for every contender.
type contender struct {
	name string
	// start makes a warm pool of max resources and returns its loops.
	start func(b *testing.B, max int) (serial func(b *testing.B), parallel func(pb *testing.PB))
}

// A resource is a pointer, as sockets and clients are; each cycle writes
// through it so that a pool handing one resource to two callers would show
// up as a data race under -race.
type resource struct{ uses int }

func newResource() *resource { return &resource{} }

var contenders = []contender{
	{"udpool", startUdpool(pool.Config[*resource]{})},
	{"chanpool", startChanPool},
	{"puddle", startPuddle},
	{"commonspool", startCommonsPool},
	{"syncpool", startSyncPool},
}

// Our pool with the feature set switched on, for the cost of each feature.
var featureContenders = []contender{
	{"udpool", startUdpool(pool.Config[*resource]{})},
	{"udpool-features", startUdpool(featuresOn(false))},
	{"udpool-features-leak", startUdpool(featuresOn(true))},
}

func featuresOn(leaks bool) pool.Config[*resource] {
	cfg := pool.Config[*resource]{
		Check:          func(context.Context, *resource) error { return nil },
		CheckAfterIdle: time.Second,
		MaxLifetime:    time.Hour,
		LifetimeJitter: time.Minute,
		MaxIdleTime:    10 * time.Minute,
	}
	if leaks {
		cfg.LeakTimeout = time.Hour
	}
	return cfg
}

func startUdpool(cfg pool.Config[*resource]) func(*testing.B, int) (func(*testing.B), func(*testing.PB)) {
	return func(b *testing.B, max int) (func(*testing.B), func(*testing.PB)) {
		cfg := cfg
		cfg.New = func(context.Context) (*resource, error) { return newResource(), nil }
		cfg.MaxSize = max
		p, err := pool.New(cfg)
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
		ctx := context.Background()
		warm(b, max, func() (func(), error) {
			r, err := p.Acquire(ctx)
			return r.Release, err
		})
		cycle := func() {
			r, err := p.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			r.Value().uses++
			r.Release()
		}
		return loops(cycle)
	}
}

func startChanPool(b *testing.B, max int) (func(*testing.B), func(*testing.PB)) {
	p, err := NewChanPool(max, max, func() (*resource, error) { return newResource(), nil })
	if err != nil {
		b.Fatal(err)
	}
	cycle := func() {
		o, err := p.GetObject()
		if err != nil {
			b.Fatal(err)
		}
		o.uses++
		p.ReturnObject(o)
	}
	return loops(cycle)
}

func startPuddle(b *testing.B, max int) (func(*testing.B), func(*testing.PB)) {
	p, err := puddle.NewPool(&puddle.Config[*resource]{
		Constructor: func(context.Context) (*resource, error) { return newResource(), nil },
		Destructor:  func(*resource) {},
		MaxSize:     int32(max),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(p.Close)
	ctx := context.Background()
	warm(b, max, func() (func(), error) {
		r, err := p.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		return r.Release, nil
	})
	cycle := func() {
		r, err := p.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		r.Value().uses++
		r.Release()
	}
	return loops(cycle)
}

func startCommonsPool(b *testing.B, max int) (func(*testing.B), func(*testing.PB)) {
	ctx := context.Background()
	cfg := commons.NewDefaultPoolConfig()
	cfg.MaxTotal = max
	cfg.MaxIdle = max
	cfg.BlockWhenExhausted = true
	p := commons.NewObjectPool(ctx, commons.NewPooledObjectFactorySimple(
		func(context.Context) (interface{}, error) { return newResource(), nil }), cfg)
	b.Cleanup(func() { p.Close(ctx) })
	warm(b, max, func() (func(), error) {
		o, err := p.BorrowObject(ctx)
		if err != nil {
			return nil, err
		}
		return func() { _ = p.ReturnObject(ctx, o) }, nil
	})
	cycle := func() {
		o, err := p.BorrowObject(ctx)
		if err != nil {
			b.Fatal(err)
		}
		o.(*resource).uses++
		if err := p.ReturnObject(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	return loops(cycle)
}

// startSyncPool is the floor: sync.Pool is unbounded and may drop objects,
// so it is not a resource pool, but nothing that hands out objects is faster.
func startSyncPool(b *testing.B, max int) (func(*testing.B), func(*testing.PB)) {
	p := &sync.Pool{New: func() any { return newResource() }}
	for range max {
		p.Put(newResource())
	}
	cycle := func() {
		o := p.Get().(*resource)
		o.uses++
		p.Put(o)
	}
	return loops(cycle)
}

// loops runs cycle serially and in parallel.
func loops(cycle func()) (func(*testing.B), func(*testing.PB)) {
	return func(b *testing.B) {
			for b.Loop() {
				cycle()
			}
		}, func(pb *testing.PB) {
			for pb.Next() {
				cycle()
			}
		}
}

// warm acquires max resources at once and releases them, so that creating
// resources is not part of what is measured.
func warm(b *testing.B, max int, acquire func() (release func(), err error)) {
	b.Helper()
	releases := make([]func(), 0, max)
	for range max {
		release, err := acquire()
		if err != nil {
			b.Fatal(err)
		}
		releases = append(releases, release)
	}
	for _, release := range releases {
		release()
	}
}

// scenarios are the shapes of load: one goroutine, and RunParallel with 1
// and 64 goroutines per CPU, on pools where callers wait (8 resources) and
// where nobody waits (1000).
type scenario struct {
	name        string
	max         int
	parallelism int // 0: one goroutine, serial
}

func scenarios() []scenario {
	procs := runtime.GOMAXPROCS(0)
	var s []scenario
	s = append(s, scenario{"uncontended/max=8", 8, 0})
	for _, max := range []int{8, 1000} {
		for _, par := range []int{1, 64} {
			s = append(s, scenario{fmt.Sprintf("goroutines=%d/max=%d", par*procs, max), max, par})
		}
	}
	return s
}

func runScenarios(b *testing.B, cs []contender) {
	for _, sc := range scenarios() {
		b.Run(sc.name, func(b *testing.B) {
			for _, c := range cs {
				b.Run("impl="+c.name, func(b *testing.B) {
					serial, parallel := c.start(b, sc.max)
					b.ReportAllocs()
					if sc.parallelism == 0 {
						serial(b)
						return
					}
					b.SetParallelism(sc.parallelism)
					b.RunParallel(parallel)
				})
			}
		})
	}
}

// BenchmarkPool: acquire+release, udpool against its peers.
func BenchmarkPool(b *testing.B) { runScenarios(b, contenders) }

// BenchmarkPoolFeatures: acquire+release with health check threshold,
// lifetime with jitter and idle time on, and leak detection off and on.
func BenchmarkPoolFeatures(b *testing.B) { runScenarios(b, featureContenders) }
