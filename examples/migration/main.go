// Command migration is the reference write-up's go-commons-pool program
// moved to udpool's pool, step by step, and then to udp.Client, which does
// the socket handling for you. Each step is marked with what it replaces:
//
//	go-commons-pool                        udpool pool
//	NewPooledObjectFactorySimple(make)     Config.New (typed: no interface{})
//	factory DestroyObject (never called    Config.Close, called exactly once
//	  by the simple factory: fds leak)       per socket
//	ObjectPoolConfig.MaxTotal              Config.MaxSize
//	MinIdle, MaxIdle                       MinIdle, MaxIdle
//	MinEvictableIdleTimeMillis             MaxIdleTime
//	MaxWaitMillis                          AcquireTimeout (or the ctx's deadline)
//	TestOnBorrow + ValidateObject          Check + CheckAfterIdle
//	BorrowObject(ctx) interface{}          Acquire(ctx) Resource[T]
//	ReturnObject(ctx, obj)                 r.Release()
//	InvalidateObject(ctx, obj)             r.Destroy()
//	Close(ctx)                             Close(ctx), which waits for loans
//
// The hand-made channel pool of the write-up maps the same way: GetObject is
// Acquire, ReturnObject is Release, and what it lacked (destroying a broken
// socket, closing the pool, a deadline while waiting) is Destroy, Close and
// the context.
//
//	go run ./examples/migration
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/udpool/udpool/pool"
	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "migration:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	dev, err := udptest.Start(udptest.Config{Prefix: []byte("echo: "), Behavior: udptest.Behavior{ReplyLoss: 0.2}})
	if err != nil {
		return err
	}
	defer dev.Close()

	ok, lost, err := withPool(dev.String())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "pool.Pool:  %d answered, %d lost; the device saw %d sockets\n", ok, lost, dev.Stats().Clients)

	dev.Reset()
	ok, lost, err = withClient(dev.String())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "udp.Client: %d answered, %d lost; the device saw %d sockets\n", ok, lost, dev.Stats().Clients)
	return nil
}

// withPool is the write-up's program on udpool's pool: 10 goroutines share
// at most 3 sockets, each request with a deadline.
func withPool(addr string) (ok, lost int, err error) {
	p, err := pool.New(pool.Config[net.Conn]{
		// replaces NewPooledObjectFactorySimple: typed, and given a ctx
		New: func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
		Close:          func(c net.Conn) error { return c.Close() }, // replaces DestroyObject
		MaxSize:        3,                                           // replaces MaxTotal
		MaxIdleTime:    time.Minute,                                 // replaces MinEvictableIdleTimeMillis
		AcquireTimeout: 5 * time.Second,                             // replaces MaxWaitMillis
	})
	if err != nil {
		return 0, 0, err
	}
	defer p.Close(context.Background()) // replaces Close(ctx)

	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply, err := request(p, fmt.Sprintf("hello %d", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil || string(reply) != fmt.Sprintf("echo: hello %d", i) {
				lost++
				return
			}
			ok++
		}()
	}
	wg.Wait()
	return ok, lost, nil
}

// request sends msg on a pooled socket and reads the reply.
func request(p *pool.Pool[net.Conn], msg string) ([]byte, error) {
	r, err := p.Acquire(context.Background()) // replaces BorrowObject
	if err != nil {
		return nil, err
	}
	conn := r.Value() // no type assertion
	conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := conn.Write([]byte(msg)); err != nil {
		r.Destroy() // replaces InvalidateObject
		return nil, err
	}
	buf := make([]byte, 256)
	n, err := conn.Read(buf)
	if err != nil {
		// The reply may still come: never give this socket to another
		// request (the write-up returned it, and the next request read
		// this one's late reply).
		r.Destroy()
		return nil, err
	}
	r.Release() // replaces ReturnObject
	return buf[:n], nil
}

// withClient is the same program on udp.Client, which keeps the sockets,
// deadlines and discards for you.
func withClient(addr string) (ok, lost int, err error) {
	c, err := udp.Dial(context.Background(), addr, udp.Config{MaxSockets: 3, Timeout: 200 * time.Millisecond})
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply, err := c.Do(context.Background(), fmt.Appendf(nil, "hello %d", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil || string(reply) != fmt.Sprintf("echo: hello %d", i) {
				lost++ // err is udp.ErrTimeout for a lost reply
				return
			}
			ok++
		}()
	}
	wg.Wait()
	return ok, lost, nil
}
