package udp

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"
)

// Client sends requests to one UDP device and returns its replies. It is
// safe for concurrent use by many goroutines. Make one with Dial and give it
// back with Close.
type Client struct {
	cfg    Config
	device *net.UDPAddr
	t      transport

	counts   socketCounts // what happens before a socket is involved
	inFlight atomic.Int64
	sockets  socketGauge
	closed   atomic.Bool
	done     chan struct{} // closed by Close: wakes retry pauses
}

// transport is how requests reach the device: exclusive sockets from a pool,
// or a few sockets shared by many requests matched by ID. do reads the reply
// into buf and returns its length; with buf nil it returns the reply in a
// new slice of its size (Do's one allocation).
type transport interface {
	do(ctx context.Context, req, buf []byte, start time.Time) (reply []byte, n int, err error)
	addStats(*Stats)
	close()
}

// Dial makes a client for the device at addr ("host:port"). It resolves
// addr with ctx and opens one socket to check that the client can send; it
// sends nothing.
func Dial(ctx context.Context, addr string, cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	device, err := resolve(ctx, addr)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg.withDefaults(), device: device, done: make(chan struct{})}
	if c.cfg.ID != nil {
		c.t, err = newMux(c)
	} else {
		c.t, err = newExclusive(c)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// resolve looks up host:port with ctx.
func resolve(ctx context.Context, addr string) (*net.UDPAddr, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("udp: bad address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		port, err = lookupPort(ctx, portText)
		if err != nil {
			return nil, fmt.Errorf("udp: bad port in %q: %w", addr, err)
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip.Unmap(), uint16(port))), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("udp: resolve %q: %w", host, err)
	}
	return net.UDPAddrFromAddrPort(netip.AddrPortFrom(ips[0].Unmap(), uint16(port))), nil
}

func lookupPort(ctx context.Context, service string) (uint64, error) {
	p, err := net.DefaultResolver.LookupPort(ctx, "udp", service)
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, errors.New("port 0")
	}
	return uint64(p), nil
}

// Addr is the device's address.
func (c *Client) Addr() *net.UDPAddr { return c.device }

// Do sends req and returns the reply, in a new slice. It fails with
// ErrTimeout when no reply came in time on any attempt, with the context's
// error when ctx ends first, with ErrUnreachable, ErrTruncated (a reply
// larger than MaxPacketSize) or ErrClosed, and rejects an empty or oversize
// request. req is not changed and may be reused when Do returns.
func (c *Client) Do(ctx context.Context, req []byte) ([]byte, error) {
	reply, _, err := c.send(ctx, req, nil)
	return reply, err
}

// DoInto is Do with the reply read into buf, for zero allocations: it
// returns the reply's length. A reply larger than buf fails with
// ErrTruncated; it is never returned cut short.
func (c *Client) DoInto(ctx context.Context, req, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, fmt.Errorf("udp: DoInto: %w (no room in buf)", ErrTruncated)
	}
	_, n, err := c.send(ctx, req, buf)
	return n, err
}

func (c *Client) send(ctx context.Context, req, buf []byte) ([]byte, int, error) {
	switch {
	case len(req) == 0:
		return nil, 0, ErrEmptyRequest
	case len(req) > c.cfg.MaxPacketSize:
		return nil, 0, fmt.Errorf("%w: %d bytes, at most %d", ErrRequestTooLarge, len(req), c.cfg.MaxPacketSize)
	}
	err := ctxError(ctx)
	if err == nil && c.closed.Load() {
		err = ErrClosed
	}
	if err != nil {
		c.counts.requests.Add(1)
		c.counts.failed.Add(1)
		return nil, 0, err
	}
	c.inFlight.Add(1)
	reply, n, err := c.t.do(ctx, req, buf, time.Now())
	c.inFlight.Add(-1)
	return reply, n, err
}

// attemptDeadline is when an attempt starting at now gives up: after
// Timeout, or when ctx ends if that is sooner.
func (c *Client) attemptDeadline(ctx context.Context, now time.Time) time.Time {
	d := now.Add(c.cfg.Timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// timedOut is the error of an attempt whose deadline passed: the context's
// error if the context has ended, ErrTimeout otherwise.
func timedOut(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The context's own timer may not have fired yet.
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return ErrTimeout
}

// retryable reports whether a failed attempt may be repeated.
func retryable(err error) bool { return err == ErrTimeout || isUnreachable(err) }

func isUnreachable(err error) bool { return errors.Is(err, ErrUnreachable) }

// pause sleeps before retry number n (1-based): RetryBackoff doubled per
// retry, capped, with jitter in [50%, 100%]. It returns ctx's error if ctx
// ends first.
func (c *Client) pause(ctx context.Context, n int) error {
	d := c.cfg.RetryBackoff
	for i := 1; i < n && d < c.cfg.MaxRetryBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxRetryBackoff)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return ErrClosed
	}
}

// Stats returns what the client has done so far.
func (c *Client) Stats() Stats {
	var s Stats
	c.counts.addTo(&s)
	c.t.addStats(&s)
	s.InFlight = int(c.inFlight.Load())
	s.SocketsOpen = int(c.sockets.open.Load())
	s.SocketsPeak = int(c.sockets.peak.Load())
	s.SocketsCreated = c.sockets.created.Load()
	s.SocketsDestroyed = c.sockets.destroyed.Load()
	s.ReadBuffer = int(c.sockets.readBuffer.Load())
	s.WriteBuffer = int(c.sockets.writeBuffer.Load())
	return s
}

// Close closes every socket and fails every call in progress with ErrClosed.
// No goroutine of the client is left when it returns.
func (c *Client) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	close(c.done)
	c.t.close()
	return nil
}

// socketGauge counts the client's sockets.
type socketGauge struct {
	open, peak              atomic.Int64
	created, destroyed      atomic.Uint64
	readBuffer, writeBuffer atomic.Int64
}

func (g *socketGauge) opened(s *socket) {
	g.created.Add(1)
	n := g.open.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	g.readBuffer.Store(int64(s.readBuffer))
	g.writeBuffer.Store(int64(s.writeBuffer))
}

func (g *socketGauge) closed() {
	g.destroyed.Add(1)
	g.open.Add(-1)
}
