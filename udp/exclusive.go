package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/udpool/udpool/pool"
)

// exclusive is the default transport: a pool of sockets, one request in
// flight per socket. A socket whose request timed out or failed is
// destroyed, because the device's late reply could still arrive on it and
// would be read by the next request; with Match set, such a reply fails the
// check instead, so the socket is kept.
type exclusive struct {
	c    *Client
	pool *pool.Pool[*socket]

	mu      sync.Mutex
	live    map[*socket]struct{} // open sockets, for Stats
	retired socketCounts         // counts of closed sockets
	ports   recentKeys           // local ports of the last sockets closed
}

// A socket closed after a timeout leaves the device's late reply in the
// network, addressed to the socket's port. If the kernel gave that port to
// the next socket, the late reply would reach the next request: the bug of
// DNS clients that open a socket per query. So a new socket whose port is
// among the last portQuarantine ports closed is closed again and another is
// opened, up to portTries times.
const (
	portQuarantine = 1024
	portTries      = 16
)

// open opens a socket whose port none of the last sockets closed had.
func (e *exclusive) open() (*socket, error) {
	for try := 1; ; try++ {
		s, err := openSocket(&e.c.cfg, e.c.device)
		if err != nil {
			return nil, err
		}
		e.mu.Lock()
		fresh := e.ports.outcome(uint64(s.localPort)) == outcomeNone
		if fresh {
			e.live[s] = struct{}{}
		}
		e.mu.Unlock()
		if fresh {
			e.c.sockets.opened(s)
			return s, nil
		}
		s.close()
		if try == portTries {
			return nil, fmt.Errorf("udp: %d sockets in a row got the port of a socket closed lately (%d); the local port range is too small", portTries, s.localPort)
		}
	}
}

func newExclusive(c *Client) (*exclusive, error) {
	e := &exclusive{c: c, live: map[*socket]struct{}{}}
	e.ports.init(portQuarantine)
	p, err := pool.New(pool.Config[*socket]{
		New: func(context.Context) (*socket, error) { return e.open() },
		Close: func(s *socket) error {
			// The port is quarantined before the socket frees it, so that
			// no socket being opened meanwhile can take it unnoticed.
			e.mu.Lock()
			delete(e.live, s)
			e.ports.add(uint64(s.localPort), 1)
			s.counts.addToCounts(&e.retired)
			e.mu.Unlock()
			err := s.close()
			c.sockets.closed()
			return err
		},
		MaxSize:        c.cfg.MaxSockets,
		AcquireTimeout: c.cfg.Timeout,
		CreateBackoff:  time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	e.pool = p
	// Open one socket now, so that a client that cannot send fails here.
	r, err := p.Acquire(context.Background())
	if err != nil {
		p.Close(context.Background())
		return nil, unwrapCreate(err)
	}
	r.Release()
	return e, nil
}

// unwrapCreate returns the error New gave the pool.
func unwrapCreate(err error) error {
	var ce *pool.CreateError
	if errors.As(err, &ce) {
		return ce.Err
	}
	return err
}

func (e *exclusive) do(ctx context.Context, req, buf []byte, start time.Time) ([]byte, int, error) {
	retries := e.c.cfg.Retries
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := e.c.pause(ctx, attempt); err != nil {
				e.c.counts.record(err, 0)
				return nil, 0, err
			}
		}
		r, err := e.pool.Acquire(ctx)
		if err != nil {
			// Counted on the client: there is no socket to count on.
			err = e.acquireError(ctx, err)
			e.c.counts.countAttempt(attempt)
			if err == ErrTimeout {
				e.c.counts.waitTimeouts.Add(1)
			}
			if attempt < retries && retryable(err) {
				continue
			}
			e.c.counts.record(err, 0)
			return nil, 0, err
		}
		reply, n, retry, err := e.try(ctx, r, attempt, start, req, buf)
		if !retry {
			return reply, n, err
		}
	}
}

// try makes one attempt on the socket of r and ends r's loan: released if
// the socket can serve another request, destroyed otherwise (also if a
// panic in Match goes through). retry reports a failure worth another
// attempt.
func (e *exclusive) try(ctx context.Context, r pool.Resource[*socket], attempt int, start time.Time, req, buf []byte) (reply []byte, n int, retry bool, err error) {
	keep := false
	defer func() {
		if keep {
			r.Release()
		} else {
			r.Destroy()
		}
	}()
	// Counted on the socket while it is lent to this call: its counts join
	// the retired ones when it is closed, after the loan.
	s := r.Value()
	s.counts.countAttempt(attempt)
	// The attempt's clock starts once it has a socket: waiting for one is
	// bounded by ctx (or by Timeout when ctx has no deadline).
	n, keep, err = e.attempt(ctx, s, req, buf, e.c.attemptDeadline(ctx, time.Now()))
	if err != nil && attempt < e.c.cfg.Retries && retryable(err) {
		return nil, 0, true, err
	}
	if err == nil && buf == nil {
		reply = bytes.Clone(s.replies[:n])
	}
	s.counts.record(err, time.Since(start))
	return reply, n, false, err
}

// acquireError turns a failure to get a socket into the client's error.
func (e *exclusive) acquireError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, pool.ErrClosed):
		return ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout // every socket stayed busy for Timeout
	}
	return unwrapCreate(err)
}

// attempt sends req on s and reads the reply into buf (or, with buf nil,
// into the socket's own buffer). keep says whether the socket may serve
// another request.
func (e *exclusive) attempt(ctx context.Context, s *socket, req, buf []byte, deadline time.Time) (n int, keep bool, err error) {
	s.conn.SetDeadline(deadline)
	if e.c.closed.Load() { // Close may have set this socket's deadline before the line above
		return 0, false, ErrClosed
	}
	defer func() {
		if err != nil && e.c.closed.Load() {
			err = ErrClosed
		}
	}()
	if ctx.Done() != nil {
		// The read has only a deadline; canceling ctx moves it to now.
		// If that happened, or is happening, the socket's deadline may yet
		// change under the next request: the socket goes.
		stop := context.AfterFunc(ctx, func() { s.conn.SetReadDeadline(aLongTimeAgo) })
		defer func() {
			if !stop() {
				keep = false
			}
		}()
	}
	if err := s.write(req); err != nil {
		if err == errAttemptTimeout {
			err = timedOut(ctx)
		}
		return 0, false, err
	}
	if buf == nil {
		buf = s.replyBuffer(e.c.cfg.MaxPacketSize)
	}
	match := e.c.cfg.Match
	for {
		n, truncated, err := s.read(buf)
		switch {
		case err == errAttemptTimeout:
			// Without Match the device's late reply must never reach
			// another request: the socket goes. With Match it would fail
			// the check, so the socket stays.
			return 0, match != nil, timedOut(ctx)
		case err != nil:
			return 0, false, err
		case match != nil && !match(req, buf[:n]):
			s.counts.stale.Add(1)
			continue
		case truncated:
			return 0, true, ErrTruncated // the whole datagram was consumed
		}
		return n, true, nil
	}
}

func (e *exclusive) addStats(st *Stats) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.retired.addTo(st)
	for s := range e.live {
		s.counts.addTo(st)
	}
}

// close fails the calls in progress at once (their reads time out now, and
// they see the client closed) and closes every socket.
func (e *exclusive) close() {
	e.mu.Lock()
	for s := range e.live {
		s.conn.SetDeadline(time.Now())
	}
	e.mu.Unlock()
	e.pool.Close(context.Background())
}
