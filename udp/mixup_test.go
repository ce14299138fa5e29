package udp

import (
	"bytes"
	"context"
	"flag"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

var stormRequests = flag.Int("udp.storm", 100_000, "requests in each no-mix-up storm (more for a long run)")

// A destroyed socket's port is not given to the next sockets: the device's
// late reply to it must not reach a later request.
func TestPortsOfClosedSocketsNotReused(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	c := dial(t, d, Config{MaxSockets: 1})
	e := c.t.(*exclusive)
	last := map[uint16]int{} // port → the socket number that last had it
	const sockets = 3000
	for i := range sockets {
		r, err := e.pool.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		port := r.Value().localPort
		r.Destroy()
		if j, ok := last[port]; ok && i-j <= portQuarantine {
			t.Fatalf("socket %d got port %d of socket %d", i, port, j)
		}
		last[port] = i
	}
	// The first socket was opened by Dial; each Destroy made room for one.
	if s := c.Stats(); s.SocketsCreated != sockets || s.SocketsOpen != 0 {
		t.Errorf("stats %+v", s)
	}
}

// stormBehavior is the device of the no-mix-up storms: requests and replies
// lost, replies late past the client's timeout, duplicated and reordered.
func stormBehavior(timeout time.Duration) udptest.Behavior {
	return udptest.Behavior{
		RequestLoss:    0.2,
		ReplyLoss:      0.2,
		LateShare:      0.2,
		LateDelay:      2 * timeout,
		DuplicateShare: 0.05,
		DuplicateDelay: timeout / 4,
		ReorderShare:   0.1,
	}
}

// storm sends requests from many goroutines, each with a unique token, and
// counts the replies that carry another request's token.
type stormResult struct {
	ok, failed, mismatched atomic.Uint64
}

func storm(t *testing.T, c *Client, requests, callers int, idSpace uint64) *stormResult {
	t.Helper()
	var res stormResult
	var next atomic.Uint64
	// The callers wait for a socket as long as they must, so that every
	// timeout is a reply's.
	ctx := ctxFor(t, 10*time.Minute)
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 64)
			for {
				token := next.Add(1)
				if token > uint64(requests) {
					return
				}
				req := tokenRequest(uint16(token%idSpace), token)
				n, err := c.DoInto(ctx, req, buf)
				switch {
				case err != nil:
					res.failed.Add(1)
				case !bytes.Equal(buf[2:n], req[2:]):
					res.mismatched.Add(1)
				default:
					res.ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return &res
}

// No mix-ups: with loss, late replies, duplicates and reordering, no caller
// ever gets another caller's reply.
func TestNoMixUps(t *testing.T) {
	requests := *stormRequests
	if testing.Short() {
		requests = 10_000
	}
	const timeout = 25 * time.Millisecond
	cases := []struct {
		name     string
		cfg      Config
		behavior udptest.Behavior
		idSpace  uint64 // callers' IDs: the token modulo this
	}{
		// A reply check makes a socket safe to keep after a timeout.
		{"exclusive+match", Config{MaxSockets: 128, Match: bytes.Equal}, stormBehavior(timeout), 1 << 16},
		// Without a check, a socket whose request timed out is never used
		// again. Duplicates cannot be told from replies without a check, so
		// this device sends none.
		{"exclusive", Config{MaxSockets: 128}, func() udptest.Behavior {
			b := stormBehavior(timeout)
			b.DuplicateShare = 0
			return b
		}(), 1 << 16},
		{"mux-assign", Config{MaxSockets: 2, ID: idField(true)}, stormBehavior(timeout), 1 << 16},
		// The callers' own IDs come back every 1024 requests, soon enough
		// for late replies to meet a new request with their ID; Match drops
		// them.
		{"mux-caller-ids+match", Config{MaxSockets: 2, ID: idField(false), Match: bytes.Equal}, stormBehavior(timeout), 1024},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := startDevice(t, udptest.Config{Seed: 7, Behavior: tc.behavior})
			cfg := tc.cfg
			cfg.Timeout = timeout
			c := dial(t, d, cfg)
			start := time.Now()
			res := storm(t, c, requests, 256, tc.idSpace)
			s := c.Stats()
			ds := d.Stats()
			t.Logf("%d requests in %v: %d answered, %d failed, %d mismatched; client %+v; device %+v",
				requests, time.Since(start).Round(time.Millisecond), res.ok.Load(), res.failed.Load(), res.mismatched.Load(),
				summary(s), ds)
			if m := res.mismatched.Load(); m != 0 {
				t.Fatalf("%d replies went to the wrong caller", m)
			}
			if res.ok.Load()+res.failed.Load() != uint64(requests) || s.Requests != uint64(requests) {
				t.Errorf("requests lost: %d answered + %d failed of %d", res.ok.Load(), res.failed.Load(), requests)
			}
			// The faults were there: replies came late, and the client
			// dropped them rather than delivering them.
			if ds.Late == 0 || ds.Reordered == 0 || res.ok.Load() < uint64(requests)/5 {
				t.Errorf("the storm was not the one intended: device %+v, %d answered", ds, res.ok.Load())
			}
			switch {
			case cfg.ID != nil && (s.Late == 0 || s.Duplicates == 0):
				t.Errorf("multiplexed: no late or duplicate replies dropped: %+v", summary(s))
			case cfg.Match != nil && s.Stale == 0:
				t.Errorf("exclusive with Match: no stale replies dropped: %+v", summary(s))
			case cfg.Match == nil && cfg.ID == nil && s.SocketsDestroyed < s.Timeouts:
				t.Errorf("exclusive: %d timeouts but only %d sockets destroyed", s.Timeouts, s.SocketsDestroyed)
			}
			if s.SocketsPeak > cfg.MaxSockets {
				t.Errorf("peak sockets %d > %d", s.SocketsPeak, cfg.MaxSockets)
			}
		})
	}
}

// summary is Stats without the latency buckets, for logs.
func summary(s Stats) map[string]any {
	return map[string]any{
		"requests": s.Requests, "replies": s.Replies, "timeouts": s.Timeouts, "stale": s.Stale,
		"late": s.Late, "duplicates": s.Duplicates, "failed": s.Failed, "socketsCreated": s.SocketsCreated,
		"socketsPeak": s.SocketsPeak, "p50": s.Latency.Quantile(0.5), "p99": s.Latency.Quantile(0.99),
	}
}
