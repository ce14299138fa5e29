package udp

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

// IDs of requests failed by an ICMP error stay out of use like those of
// requests that timed out: the device may have received them and answer
// later. Those failed by Close need not.
func TestFailedIDsAreQuarantined(t *testing.T) {
	s := &muxSocket{pending: map[uint64]*call{}}
	s.recent.init(16)
	for id, err := range map[uint64]error{5: ErrUnreachable, 6: ErrClosed} {
		cl := &call{done: make(chan struct{}, 1)}
		s.pending[id] = cl
		s.failAll(err)
		<-cl.done
		if cl.err != err {
			t.Errorf("call %d failed with %v, want %v", id, cl.err, err)
		}
	}
	if got := s.recent.outcome(5); got != outcomeTimedOut {
		t.Errorf("ID of a request failed as unreachable: outcome %d, want timed out", got)
	}
	if got := s.recent.outcome(6); got != outcomeNone {
		t.Errorf("ID of a request failed by Close: outcome %d, want none", got)
	}
}

// A custom Set may keep only part of the ID drawn (here 16 bits): the
// client keys the request by what is on the wire.
func TestAssignWithCustomIDField(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	c := dial(t, d, Config{Timeout: 2 * time.Second, ID: &IDField{
		Get: func(p []byte) (uint64, bool) {
			if len(p) < 4 {
				return 0, false
			}
			return uint64(binary.BigEndian.Uint16(p[2:])), true
		},
		Set:    func(p []byte, id uint64) { binary.BigEndian.PutUint16(p[2:], uint16(id)) },
		Assign: true,
	}})
	for i := range 50 {
		req := []byte("ab\x00\x00" + strings.Repeat("x", i))
		reply, err := c.Do(context.Background(), req)
		if err != nil || !bytes.Equal(reply[4:], req[4:]) {
			t.Fatalf("request %d: %q %v", i, reply, err)
		}
	}
}

// A panic in Match is the caller's: it propagates from Do (exclusive) or
// drops the reply (multiplexed, where the reader calls it); either way the
// client goes on, and closes.
func TestPanicInMatch(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	match := func(req, reply []byte) bool {
		if bytes.Contains(req, []byte("boom")) {
			panic("boom")
		}
		return bytes.Equal(req, reply)
	}
	t.Run("exclusive", func(t *testing.T) {
		c := dial(t, d, Config{Match: match, MaxSockets: 1})
		func() {
			defer func() {
				if v := recover(); v != "boom" {
					t.Errorf("recovered %v", v)
				}
			}()
			c.Do(context.Background(), []byte("boom"))
		}()
		if _, err := c.Do(context.Background(), []byte("fine")); err != nil {
			t.Errorf("after the panic: %v", err)
		}
		if s := c.Stats(); s.SocketsDestroyed != 1 {
			t.Errorf("the socket of the panic was not destroyed: %+v", summary(s))
		}
	})
	t.Run("mux", func(t *testing.T) {
		c := dial(t, d, Config{Match: match, ID: idField(true), Timeout: 50 * time.Millisecond})
		if _, err := c.Do(context.Background(), []byte("\x00\x00boom")); err != ErrTimeout {
			t.Errorf("reply whose Match panicked: %v", err)
		}
		if _, err := c.Do(context.Background(), []byte("\x00\x00fine")); err != nil {
			t.Errorf("after the panic: %v", err)
		}
	})
}
