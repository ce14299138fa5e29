package pool_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/udpool/udpool/pool"
)

// A pool of connected UDP sockets shared by ten goroutines: the device sees
// at most three client sockets, however many requests there are.
func Example() {
	device, _ := net.ListenPacket("udp", "127.0.0.1:0")
	defer device.Close()
	seen := map[string]bool{}
	var mu sync.Mutex
	go func() { // an echo device that notes who talks to it
		buf := make([]byte, 1500)
		for {
			n, from, err := device.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			seen[from.String()] = true
			mu.Unlock()
			device.WriteTo(buf[:n], from)
		}
	}()

	p, err := pool.New(pool.Config[net.Conn]{
		New: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", device.LocalAddr().String())
		},
		Close:   func(c net.Conn) error { return c.Close() },
		MaxSize: 3,
	})
	if err != nil {
		panic(err)
	}
	defer p.Close(context.Background())

	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r, err := p.Acquire(ctx)
			if err != nil {
				panic(err)
			}
			c := r.Value()
			c.SetDeadline(time.Now().Add(time.Second)) // never wait forever for a reply
			msg := fmt.Sprintf("request %d", i)
			buf := make([]byte, 64)
			if _, err := c.Write([]byte(msg)); err != nil {
				r.Destroy()
				return
			}
			n, err := c.Read(buf)
			if err != nil || string(buf[:n]) != msg {
				r.Destroy() // a late reply could arrive on it: never reuse it
				return
			}
			r.Release()
		}()
	}
	wg.Wait()
	mu.Lock()
	fmt.Println("client sockets seen by the device, at most 3:", len(seen) <= 3)
	mu.Unlock()
	// Output: client sockets seen by the device, at most 3: true
}

// Destroy a resource that failed: it is closed and its slot freed, and the
// next caller gets a fresh one.
func ExampleResource_Destroy() {
	made := 0
	p, _ := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { made++; return made, nil },
		MaxSize: 1,
	})
	defer p.Close(context.Background())

	r, _ := p.Acquire(context.Background())
	fmt.Println("using resource", r.Value())
	r.Destroy() // say the device reset it

	r, _ = p.Acquire(context.Background())
	fmt.Println("using resource", r.Value())
	r.Release()
	// Output:
	// using resource 1
	// using resource 2
}

// Health checks, lifetimes and idle limits are switched on in the Config.
func ExampleConfig() {
	p, err := pool.New(pool.Config[net.Conn]{
		New: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", "127.0.0.1:9")
		},
		Close:          func(c net.Conn) error { return c.Close() },
		Check:          func(ctx context.Context, c net.Conn) error { return nil }, // e.g. a ping
		MaxSize:        8,
		MinIdle:        1,
		MaxIdleTime:    5 * time.Minute,
		MaxLifetime:    time.Hour,
		LifetimeJitter: 5 * time.Minute,
		CheckAfterIdle: 10 * time.Second,
		AcquireTimeout: 2 * time.Second,
		LeakTimeout:    time.Minute,
		OnLeak:         func(l pool.Leak) { fmt.Println(l) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("max size:", p.Stats().MaxSize)
	p.Close(context.Background())
	// Output: max size: 8
}

// New rejects a bad Config with an error that names the field.
func ExampleNew_invalidConfig() {
	_, err := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { return 0, nil },
		MaxSize: 4,
		MinIdle: 6,
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, pool.ErrInvalidConfig))
	// Output:
	// pool: invalid Config.MinIdle: must not exceed MaxSize (4) (got 6)
	// true
}

// TryAcquire never waits.
func ExamplePool_TryAcquire() {
	p, _ := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { return 42, nil },
		MaxSize: 1,
	})
	defer p.Close(context.Background())
	r, _ := p.Acquire(context.Background())
	_, err := p.TryAcquire(context.Background())
	fmt.Println(err)
	r.Release()
	// Output: pool: no idle resource available
}

// Stats reports gauges and counters, cheap enough to scrape every second.
func ExamplePool_Stats() {
	p, _ := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { return 1, nil },
		MaxSize: 4,
	})
	defer p.Close(context.Background())
	a, _ := p.Acquire(context.Background())
	b, _ := p.Acquire(context.Background())
	b.Release()
	s := p.Stats()
	fmt.Printf("total %d, in use %d, idle %d, acquires %d\n", s.Total, s.InUse, s.Idle, s.Acquires)
	a.Release()
	// Output: total 2, in use 1, idle 1, acquires 2
}

// Resize changes the bound while the pool runs.
func ExamplePool_Resize() {
	p, _ := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { return 1, nil },
		MaxSize: 2,
	})
	defer p.Close(context.Background())
	if err := p.Resize(16); err != nil {
		fmt.Println(err)
	}
	fmt.Println(p.Stats().MaxSize)
	fmt.Println(p.Resize(0))
	// Output:
	// 16
	// pool: invalid Config.MaxSize: must be positive (got 0)
}

// Close waits for lent resources until its context ends, then says what is
// still out.
func ExamplePool_Close() {
	p, _ := pool.New(pool.Config[int]{
		New:     func(context.Context) (int, error) { return 1, nil },
		MaxSize: 2,
	})
	r, _ := p.Acquire(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	fmt.Println(p.Close(ctx))
	r.Release()
	fmt.Println(p.Close(context.Background()))
	// Output:
	// pool: close: context deadline exceeded with 1 resource(s) still in use and 0 create(s) running
	// <nil>
}
