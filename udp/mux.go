package udp

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// mux is the multiplexed transport: a few sockets, each with one reader
// goroutine, and many requests in flight per socket, matched to replies by
// ID. A reply whose ID names no request in flight (late, duplicate or
// unknown) is dropped and counted; the reader never waits for a caller.
type mux struct {
	c     *Client
	ids   idCodec
	socks []*muxSocket
	next  atomic.Uint32 // round robin over the sockets for assigned IDs

	calls   sync.Pool // *call
	wires   sync.Pool // *[]byte: requests with an assigned ID stamped in
	readers sync.WaitGroup
	closed  chan struct{}
}

// muxSocket is one shared socket and the requests in flight on it.
type muxSocket struct {
	*socket
	slots chan struct{} // one per request in flight: MaxInFlight

	mu      sync.Mutex
	pending map[uint64]*call
	recent  recentKeys
}

// call is one request waiting for its reply. Calls are reused: a call is
// handed back only once its reply can no longer be delivered to it.
type call struct {
	req   []byte // as sent, for Match
	buf   []byte // DoInto's buffer; nil for Do: the reader makes the reply
	reply []byte // Do's reply
	n     int
	err   error
	done  chan struct{} // the reader's one signal per registration
	timer *time.Timer
}

// result is what the reader delivered.
func (cl *call) result() ([]byte, int, error) { return cl.reply, cl.n, cl.err }

func newMux(c *Client) (*mux, error) {
	m := &mux{c: c, ids: newIDCodec(c.cfg.ID), closed: make(chan struct{})}
	m.calls.New = func() any {
		t := time.NewTimer(time.Hour)
		t.Stop()
		return &call{done: make(chan struct{}, 1), timer: t}
	}
	m.wires.New = func() any { b := make([]byte, 0, 512); return &b }
	inFlight, quarantine := c.cfg.MaxInFlight, recentSize
	if c.cfg.ID.Assign {
		// At most a quarter of the ID space in flight and half of it in
		// quarantine, so that a fresh ID takes few draws on average.
		if space := m.ids.space(); space != 0 {
			inFlight = int(min(uint64(inFlight), max(space/4, 1)))
			quarantine = int(min(uint64(quarantine), max(space/2, 1)))
		}
	}
	for range c.cfg.MaxSockets {
		s, err := openSocket(&c.cfg, c.device)
		if err != nil {
			m.close()
			return nil, err
		}
		c.sockets.opened(s)
		ms := &muxSocket{socket: s, slots: make(chan struct{}, inFlight), pending: map[uint64]*call{}}
		ms.recent.init(quarantine)
		m.socks = append(m.socks, ms)
		m.readers.Add(1)
		go m.read(ms)
	}
	return m, nil
}

func (m *mux) do(ctx context.Context, req, buf []byte, start time.Time) ([]byte, int, error) {
	wire := req
	var id uint64
	var sock *muxSocket
	if m.c.cfg.ID.Assign {
		if _, ok := m.ids.read(req); !ok {
			return nil, 0, m.reject(ErrNoID)
		}
		// The ID is stamped into a copy: the caller's req stays as it is.
		wp := m.wires.Get().(*[]byte)
		wire = append((*wp)[:0], req...)
		defer func() { *wp = wire[:0]; m.wires.Put(wp) }()
		sock = m.socks[m.next.Add(1)%uint32(len(m.socks))]
	} else {
		var ok bool
		if id, ok = m.ids.read(req); !ok {
			return nil, 0, m.reject(ErrNoID)
		}
		sock = m.socks[id%uint64(len(m.socks))] // one ID, one socket: duplicates meet
	}
	sock.counts.requests.Add(1)
	reply, n, err := m.call(ctx, sock, id, wire, buf, start)
	sock.counts.record(err, time.Since(start))
	return reply, n, err
}

// reject counts a call refused before it was sent.
func (m *mux) reject(err error) error {
	m.c.counts.requests.Add(1)
	m.c.counts.failed.Add(1)
	return err
}

// call sends wire on sock and waits for its reply, retrying on timeouts and
// unreachable errors. While retrying after a timeout the call keeps its ID
// registered, so a reply to any attempt answers it.
func (m *mux) call(ctx context.Context, sock *muxSocket, id uint64, wire, buf []byte, start time.Time) ([]byte, int, error) {
	cl := m.calls.Get().(*call)
	cl.req, cl.buf = wire, buf
	defer func() {
		cl.req, cl.buf, cl.reply, cl.err = nil, nil, nil, nil
		m.calls.Put(cl)
	}()
	now, err := m.takeSlot(ctx, sock, cl, start)
	if err != nil {
		return nil, 0, err
	}
	defer func() { <-sock.slots }()

	retries := m.c.cfg.Retries
	registered := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			if err := m.c.pause(ctx, attempt); err != nil {
				if registered && !sock.unregister(id, cl, true) {
					<-cl.done // answered during the pause
					return cl.result()
				}
				return nil, 0, err
			}
			sock.counts.retries.Add(1)
			now = time.Now()
			if registered {
				select {
				case <-cl.done: // answered, or failed by the reader, during the pause
					registered = false
					if cl.err == nil || !retryable(cl.err) {
						return cl.result()
					}
				default:
				}
			}
		}
		if !registered {
			if id, err = m.register(sock, id, wire, cl); err != nil {
				return nil, 0, err
			}
			registered = true
		}
		cl.timer.Reset(time.Until(m.c.attemptDeadline(ctx, now)))
		if err := sock.write(wire); err != nil {
			cl.timer.Stop()
			// An earlier attempt's request is out: its reply may yet come.
			if !sock.unregister(id, cl, attempt > 0) {
				<-cl.done // an earlier attempt was answered meanwhile
				return cl.result()
			}
			registered = false
			if attempt < retries && retryable(err) {
				continue
			}
			return nil, 0, err
		}
		select {
		case <-cl.done:
			cl.timer.Stop()
			registered = false // the reader took the call off the socket
			if cl.err != nil && attempt < retries && retryable(cl.err) {
				continue
			}
			return cl.result()
		case <-cl.timer.C:
			if attempt < retries {
				continue
			}
			err = timedOut(ctx)
		case <-ctx.Done():
			cl.timer.Stop()
			err = ctx.Err()
		case <-m.closed:
			cl.timer.Stop()
			err = ErrClosed
		}
		if !sock.unregister(id, cl, err != ErrClosed) {
			<-cl.done // the reply beat the end by a hair
			return cl.result()
		}
		return nil, 0, err
	}
}

// takeSlot waits for room among the requests in flight on sock: until ctx
// ends, or for Timeout when ctx has no deadline. It returns when the first
// attempt starts.
func (m *mux) takeSlot(ctx context.Context, sock *muxSocket, cl *call, start time.Time) (time.Time, error) {
	select {
	case sock.slots <- struct{}{}:
		return start, nil
	default:
	}
	var expired <-chan time.Time
	if _, ok := ctx.Deadline(); !ok {
		cl.timer.Reset(m.c.cfg.Timeout)
		defer cl.timer.Stop()
		expired = cl.timer.C
	}
	select {
	case sock.slots <- struct{}{}:
		return time.Now(), nil
	case <-expired:
		sock.counts.waitTimeouts.Add(1)
		return start, ErrTimeout
	case <-ctx.Done():
		return start, ctx.Err()
	case <-m.closed:
		return start, ErrClosed
	}
}

// register puts cl in flight on sock under its ID. With Assign it draws an
// unpredictable ID that no request in flight on the socket has, nor one
// that ended recently (its late or duplicate reply may still come), and
// stamps it into wire.
func (m *mux) register(sock *muxSocket, id uint64, wire []byte, cl *call) (uint64, error) {
	cl.reply, cl.n, cl.err = nil, 0, nil
	sock.mu.Lock()
	defer sock.mu.Unlock()
	if m.c.cfg.ID.Assign {
		for {
			// The ID is the one read back from the wire: a custom Set may
			// keep only part of what was drawn.
			m.ids.write(wire, m.ids.draw())
			var ok bool
			if id, ok = m.ids.read(wire); !ok {
				return 0, ErrNoID
			}
			if _, taken := sock.pending[id]; !taken && sock.recent.outcome(id) == outcomeNone {
				break
			}
		}
	} else if _, taken := sock.pending[id]; taken {
		return 0, ErrDuplicateID
	} else {
		sock.recent.forget(id)
	}
	sock.pending[id] = cl
	return id, nil
}

// unregister takes cl off the socket. It reports false if the reader got
// there first: then a signal is on its way in cl.done. timedOut marks the ID
// so that its reply, if it comes, is counted as late.
func (s *muxSocket) unregister(id uint64, cl *call, timedOut bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending[id] != cl {
		return false
	}
	delete(s.pending, id)
	if timedOut {
		s.recent.add(id, outcomeTimedOut)
	}
	return true
}

// read is the socket's reader: it delivers each reply to the request in
// flight with its ID, and fails the socket's requests when the device is
// unreachable or the client closes.
func (m *mux) read(s *muxSocket) {
	defer m.readers.Done()
	buf := make([]byte, 65536)
	for {
		n, truncated, err := s.read(buf)
		switch {
		case errors.Is(err, ErrClosed):
			s.failAll(ErrClosed)
			return
		case isUnreachable(err):
			s.failAll(err)
			continue
		case err != nil:
			if l := m.c.cfg.Logger; l != nil {
				l.Warn("udp: read", "device", m.c.device.String(), "err", err)
			}
			select {
			case <-m.closed:
				s.failAll(ErrClosed)
				return
			case <-time.After(time.Millisecond): // do not spin on a broken socket
			}
			continue
		}
		m.deliver(s, buf[:n], truncated)
	}
}

// deliver hands a reply to its request, or counts why it cannot.
func (m *mux) deliver(s *muxSocket, reply []byte, truncated bool) {
	id, ok := m.replyID(reply)
	if !ok {
		s.counts.stale.Add(1)
		return
	}
	s.mu.Lock()
	cl := s.pending[id]
	switch {
	case cl == nil:
		switch s.recent.outcome(id) {
		case outcomeAnswered:
			s.counts.duplicates.Add(1)
		case outcomeTimedOut:
			s.counts.late.Add(1)
		default:
			s.counts.stale.Add(1)
		}
		s.mu.Unlock()
		return
	case m.c.cfg.Match != nil && !m.matches(cl.req, reply):
		s.counts.stale.Add(1)
		s.mu.Unlock()
		return
	}
	delete(s.pending, id)
	s.recent.add(id, outcomeAnswered)
	switch {
	case truncated, cl.buf == nil && len(reply) > m.c.cfg.MaxPacketSize, cl.buf != nil && len(reply) > len(cl.buf):
		cl.err = ErrTruncated
	case cl.buf == nil:
		cl.reply, cl.n = bytes.Clone(reply), len(reply)
	default:
		cl.n = copy(cl.buf, reply)
	}
	s.mu.Unlock()
	cl.done <- struct{}{}
}

// failAll ends every request in flight on the socket with err. Unless the
// client is closing, their IDs are kept out of use like those of requests
// that timed out: the device may have received the requests and answer
// later.
func (s *muxSocket) failAll(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, cl := range s.pending {
		delete(s.pending, id)
		if err != ErrClosed {
			s.recent.add(id, outcomeTimedOut)
		}
		cl.n, cl.err = 0, err
		cl.done <- struct{}{}
	}
}

func (m *mux) addStats(st *Stats) {
	for _, s := range m.socks {
		s.counts.addTo(st)
	}
}

func (m *mux) close() {
	close(m.closed)
	for _, s := range m.socks {
		s.close()
		m.c.sockets.closed()
	}
	m.readers.Wait()
}

// replyID reads a reply's ID. A panic in a custom IDField.Get is reported
// and the reply dropped: the reader must go on serving the other requests.
func (m *mux) replyID(reply []byte) (id uint64, ok bool) {
	if m.ids.get == nil {
		return m.ids.read(reply)
	}
	defer m.contain("IDField.Get", &ok)
	return m.ids.read(reply)
}

// matches runs Match, containing a panic in it as replyID does.
func (m *mux) matches(req, reply []byte) (ok bool) {
	defer m.contain("Match", &ok)
	return m.c.cfg.Match(req, reply)
}

// contain recovers a panic in the user's callback, logs it and sets *ok to
// false. It must be deferred directly.
func (m *mux) contain(callback string, ok *bool) {
	if v := recover(); v != nil {
		*ok = false
		if l := m.c.cfg.Logger; l != nil {
			l.Error("udp: "+callback+" panicked; reply dropped", "device", m.c.device.String(), "panic", v)
		}
	}
}
