package udp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

func TestConfigRejected(t *testing.T) {
	cases := []struct {
		field string
		cfg   Config
	}{
		{"MaxSockets", Config{MaxSockets: -1}},
		{"Timeout", Config{Timeout: -time.Second}},
		{"Retries", Config{Retries: -1}},
		{"RetryBackoff", Config{RetryBackoff: -1}},
		{"MaxRetryBackoff", Config{MaxRetryBackoff: -1}},
		{"MaxInFlight", Config{MaxInFlight: -1, ID: idField(true)}},
		{"MaxInFlight", Config{MaxInFlight: 10}},
		{"MaxPacketSize", Config{MaxPacketSize: -1}},
		{"MaxPacketSize", Config{MaxPacketSize: 70000}},
		{"ReadBuffer", Config{ReadBuffer: -1}},
		{"WriteBuffer", Config{WriteBuffer: -1}},
		{"AcceptFrom", Config{AcceptFrom: []netip.Addr{netip.MustParseAddr("127.0.0.2")}}},
		{"LocalAddr", Config{LocalAddr: "nonsense"}},
		{"LocalAddr", Config{LocalAddr: "127.0.0.1:5000"}},
		{"ID.Len", Config{ID: &IDField{Len: 0}}},
		{"ID.Len", Config{ID: &IDField{Len: 9}}},
		{"ID.Offset", Config{ID: &IDField{Offset: -1, Len: 2}}},
		{"ID.Get", Config{ID: &IDField{Set: func([]byte, uint64) {}}}},
		{"ID.Get", Config{ID: &IDField{Len: 2, Get: func([]byte) (uint64, bool) { return 0, true }}}},
		{"ID.Set", Config{ID: &IDField{Get: func([]byte) (uint64, bool) { return 0, true }, Assign: true}}},
	}
	for _, tc := range cases {
		_, err := Dial(context.Background(), "127.0.0.1:9", tc.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want a ConfigError naming %s", tc.cfg, err, tc.field)
			continue
		}
		if !strings.Contains(err.Error(), "Config."+tc.field) {
			t.Errorf("message %q does not name the field", err)
		}
	}
}

func TestBadAddress(t *testing.T) {
	for _, addr := range []string{"", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:no-such-service-here"} {
		if c, err := Dial(context.Background(), addr, Config{}); err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", addr)
		} else if !strings.Contains(err.Error(), addr) {
			t.Errorf("Dial(%q): %v does not name the address", addr, err)
		}
	}
}

func TestRequestsRejected(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			cfg := tr.cfg
			cfg.MaxPacketSize = 100
			c := dial(t, d, cfg)
			ctx := context.Background()
			if _, err := c.Do(ctx, nil); err != ErrEmptyRequest {
				t.Errorf("empty: %v", err)
			}
			if _, err := c.Do(ctx, make([]byte, 101)); !errors.Is(err, ErrRequestTooLarge) || !strings.Contains(err.Error(), "101") {
				t.Errorf("oversize: %v", err)
			}
			if _, err := c.DoInto(ctx, tokenRequest(1, 1), nil); !errors.Is(err, ErrTruncated) {
				t.Errorf("no buffer: %v", err)
			}
			if cfg.ID != nil {
				if _, err := c.Do(ctx, []byte{1}); err != ErrNoID {
					t.Errorf("one byte with a two-byte ID: %v", err)
				}
			}
			if s := c.Stats(); s.SocketsCreated > uint64(c.cfg.MaxSockets) {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestDuplicateCallerID(t *testing.T) {
	d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{Delay: 200 * time.Millisecond}})
	c := dial(t, d, Config{ID: idField(false)})
	first := make(chan error, 1)
	go func() {
		_, err := c.Do(context.Background(), tokenRequest(42, 1))
		first <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for c.Stats().InFlight == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Do(context.Background(), tokenRequest(42, 2)); err != ErrDuplicateID {
		t.Errorf("second request with ID 42: %v", err)
	}
	if err := <-first; err != nil {
		t.Errorf("first request: %v", err)
	}
	if _, err := c.Do(context.Background(), tokenRequest(42, 3)); err != nil {
		t.Errorf("ID 42 again once free: %v", err)
	}
}

// A reply larger than the buffer is an error, never a cut reply; the client
// goes on working.
func TestTruncatedReply(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1000)
	d := startDevice(t, udptest.Config{Handler: func(req []byte) []byte {
		if bytes.HasSuffix(req, []byte("big")) {
			return append(req[:2:2], big...)
		}
		return req
	}})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			cfg := tr.cfg
			cfg.MaxPacketSize = 512
			cfg.Match = nil // the big reply echoes only the ID
			c := dial(t, d, cfg)
			req := []byte("\x00\x07big")
			buf := make([]byte, 100)
			if n, err := c.DoInto(context.Background(), req, buf); err != ErrTruncated || n != 0 {
				t.Errorf("DoInto: %d %v", n, err)
			}
			if reply, err := c.Do(context.Background(), req); err != ErrTruncated || reply != nil {
				t.Errorf("Do beyond MaxPacketSize: %d bytes, %v", len(reply), err)
			}
			big := make([]byte, 2000)
			if n, err := c.DoInto(context.Background(), req, big); err != nil || n != 1002 {
				t.Errorf("DoInto with room: %d %v", n, err)
			}
			if _, err := c.Do(context.Background(), []byte("\x00\x08small")); err != nil {
				t.Errorf("after truncation: %v", err)
			}
			if s := c.Stats(); s.Truncated != 2 || s.Replies != 2 {
				t.Errorf("stats: truncated %d replies %d", s.Truncated, s.Replies)
			}
		})
	}
}

func TestTimeoutError(t *testing.T) {
	d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 1}})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			cfg := tr.cfg
			cfg.Timeout = 20 * time.Millisecond
			c := dial(t, d, cfg)
			_, err := c.Do(context.Background(), tokenRequest(1, 1))
			var ne net.Error
			if err != ErrTimeout || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("got %v, want ErrTimeout", err)
			}
			// The context's deadline, when sooner, ends the call with the
			// context's error.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
			defer cancel()
			cfg.Timeout = time.Minute
			long := dial(t, d, cfg)
			if _, err := long.Do(ctx, tokenRequest(2, 2)); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("ctx deadline: %v", err)
			}
			if s := c.Stats(); s.Timeouts != 1 || s.Replies != 0 {
				t.Errorf("stats %+v", s)
			}
			if cfg.ID == nil && cfg.Match == nil && c.Stats().SocketsDestroyed != 1 {
				t.Errorf("the timed-out socket was kept: %+v", c.Stats())
			}
		})
	}
}

func TestCanceledContext(t *testing.T) {
	d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 1}})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c := dial(t, d, tr.cfg)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := c.Do(ctx, tokenRequest(1, 1)); err != context.Canceled {
				t.Errorf("canceled before: %v", err)
			}
			ctx, cancel = context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := c.Do(ctx, tokenRequest(2, 2))
				done <- err
			}()
			for c.Stats().InFlight == 0 {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(5 * time.Millisecond) // let it reach the read
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("canceled while waiting: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("cancel did not end the call")
			}
		})
	}
}

// Close fails every call in progress promptly and every later one at once.
func TestClose(t *testing.T) {
	d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 1}})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			cfg := tr.cfg
			cfg.MaxSockets = 2
			cfg.Timeout = time.Minute
			cfg.Retries = 3
			if cfg.ID != nil {
				cfg.MaxInFlight = 4 // some callers wait for room
			}
			c, err := Dial(context.Background(), d.String(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			const callers = 20
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := c.Do(context.Background(), tokenRequest(uint16(i), uint64(i)))
					errs <- err
				}()
			}
			for c.Stats().InFlight < callers {
				time.Sleep(time.Millisecond)
			}
			time.Sleep(10 * time.Millisecond)
			start := time.Now()
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Close and the calls took %v", took)
			}
			close(errs)
			for err := range errs {
				if err != ErrClosed {
					t.Errorf("call in progress: %v", err)
				}
			}
			if _, err := c.Do(context.Background(), tokenRequest(1, 1)); err != ErrClosed {
				t.Errorf("after Close: %v", err)
			}
			if err := c.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
			if s := c.Stats(); s.SocketsOpen != 0 || s.InFlight != 0 || s.SocketsCreated != s.SocketsDestroyed {
				t.Errorf("after Close: %+v", s)
			}
		})
	}
}

// Outage: while the device is down, calls fail as unreachable (ICMP port
// unreachable) or time out, without hanging; once it is up again, the same
// client works.
func TestOutageAndRecovery(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			d := startDevice(t, udptest.Config{})
			cfg := tr.cfg
			cfg.Timeout = 200 * time.Millisecond
			c := dial(t, d, cfg)
			if _, err := c.Do(context.Background(), tokenRequest(1, 1)); err != nil {
				t.Fatal(err)
			}
			d.Down()
			unreachable := 0
			for i := range 5 {
				_, err := c.Do(context.Background(), tokenRequest(uint16(i+2), 2))
				switch {
				case errors.Is(err, ErrUnreachable):
					unreachable++
				case err == ErrTimeout:
				default:
					t.Fatalf("while down: %v", err)
				}
			}
			if unreachable == 0 {
				t.Error("no call saw the device unreachable")
			}
			if err := d.Up(); err != nil {
				t.Fatal(err)
			}
			if reply, err := c.Do(context.Background(), tokenRequest(9, 9)); err != nil {
				t.Fatalf("after Up: %v", err)
			} else if tok, _ := tokenOf(reply); tok != 9 {
				t.Fatalf("after Up: reply %x", reply)
			}
			if s := c.Stats(); s.Unreachable != uint64(unreachable) {
				t.Errorf("%d calls met the device unreachable, Stats counts %d", unreachable, s.Unreachable)
			}
		})
	}
}

// Retries: a lossy device answers most calls within a few attempts; the
// multiplexed transport accepts a reply to an earlier attempt.
func TestRetries(t *testing.T) {
	t.Run("loss", func(t *testing.T) {
		d := startDevice(t, udptest.Config{Seed: 1, Behavior: udptest.Behavior{RequestLoss: 0.5}})
		for _, tr := range transports {
			t.Run(tr.name, func(t *testing.T) {
				t.Parallel()
				cfg := tr.cfg
				cfg.Timeout = 10 * time.Millisecond
				cfg.Retries = 6
				cfg.RetryBackoff = time.Millisecond
				c := dial(t, d, cfg)
				failed := 0
				for i := range 30 {
					if _, err := c.Do(context.Background(), tokenRequest(uint16(i), uint64(i))); err != nil {
						failed++
					}
				}
				// Each attempt is lost with probability 1/2 (more under a
				// slow race detector): 7 attempts all lost is 1 in 128.
				if s := c.Stats(); failed > 5 || s.Retries == 0 || s.Requests != 30 || s.Replies != uint64(30-failed) {
					t.Errorf("%d of 30 failed; stats %+v", failed, s)
				}
			})
		}
	})
	t.Run("late reply to the first attempt", func(t *testing.T) {
		d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{LateShare: 1, LateDelay: 60 * time.Millisecond}})
		c := dial(t, d, Config{ID: idField(true), Timeout: 40 * time.Millisecond, Retries: 2, RetryBackoff: time.Millisecond})
		reply, err := c.Do(context.Background(), tokenRequest(0, 77))
		if tok, _ := tokenOf(reply); err != nil || tok != 77 {
			t.Fatalf("%x %v", reply, err)
		}
		if s := c.Stats(); s.Retries == 0 || s.Replies != 1 {
			t.Errorf("stats %+v", s)
		}
	})
}

// A call that waits longer than Timeout for a free socket times out, and
// Stats tells it from a device that did not answer.
func TestWaitTimeoutCounted(t *testing.T) {
	d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 1}})
	for _, tr := range transports[:3] {
		t.Run(tr.name, func(t *testing.T) {
			cfg := tr.cfg
			cfg.MaxSockets, cfg.Timeout = 1, 100*time.Millisecond
			if cfg.ID != nil {
				cfg.MaxInFlight = 1
			}
			c := dial(t, d, cfg)
			// The first call holds the one socket (slot) for 100ms, the
			// second gets it next for 100ms: the third waits past its
			// Timeout.
			done := make(chan error, 2)
			for i := range 2 {
				go func() {
					_, err := c.Do(context.Background(), tokenRequest(uint16(i), uint64(i)))
					done <- err
				}()
				for c.Stats().InFlight <= i {
					time.Sleep(time.Millisecond)
				}
			}
			if _, err := c.Do(context.Background(), tokenRequest(9, 9)); err != ErrTimeout {
				t.Errorf("third call: %v", err)
			}
			<-done
			<-done
			if s := c.Stats(); s.WaitTimeouts != 1 || s.Timeouts != 3 {
				t.Errorf("wait timeouts %d, timeouts %d; want 1 and 3", s.WaitTimeouts, s.Timeouts)
			}
		})
	}
}
