package main

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/udpool/udpool/pool"
)

// naiveClient is the reference write-up's client, bug for bug: a new socket
// per request, a read with no deadline, and the socket never closed. Every
// request leaves a descriptor open; every lost reply leaves its caller
// blocked forever. The demo keeps the sockets only to close them at the end,
// as the operating system would when the process exits.
type naiveClient struct {
	addr string

	mu       sync.Mutex
	stranded []net.Conn
}

func (c *naiveClient) Do(_ context.Context, req []byte) ([]byte, error) {
	conn, err := net.Dial("udp", c.addr)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.stranded = append(c.stranded, conn)
	c.mu.Unlock()
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	buf := make([]byte, 2048)
	n, err := conn.Read(buf) // no deadline: a lost reply blocks here forever
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// cleanUp closes every socket the naive client opened, which also ends its
// blocked calls.
func (c *naiveClient) cleanUp() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, conn := range c.stranded {
		conn.Close()
	}
	c.stranded = nil
}

// reuseClient is the reference write-up's fix: a pool of connected sockets
// and a read deadline. Its flaw is the one the write-up misses: a socket
// whose read timed out goes back to the pool, the device's late reply
// arrives on it, and the next request on that socket reads it.
type reuseClient struct {
	pool    *pool.Pool[*net.UDPConn]
	timeout time.Duration
}

func newReuseClient(addr string, sockets int, timeout time.Duration) (*reuseClient, error) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, err
	}
	p, err := pool.New(pool.Config[*net.UDPConn]{
		New:     func(context.Context) (*net.UDPConn, error) { return net.DialUDP("udp", nil, raddr) },
		Close:   func(c *net.UDPConn) error { return c.Close() },
		MaxSize: sockets,
	})
	if err != nil {
		return nil, err
	}
	return &reuseClient{pool: p, timeout: timeout}, nil
}

func (c *reuseClient) Do(ctx context.Context, req []byte) ([]byte, error) {
	r, err := c.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Release() // even after a timeout: the bug
	conn := r.Value()
	conn.SetDeadline(time.Now().Add(c.timeout))
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	buf := make([]byte, 2048)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func (c *reuseClient) close() error { return c.pool.Close(context.Background()) }
