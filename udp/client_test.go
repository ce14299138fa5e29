package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

// transports are the client configurations most tests run with.
var transports = []struct {
	name string
	cfg  Config
}{
	{"exclusive", Config{}},
	{"exclusive+match", Config{Match: bytes.Equal}},
	{"mux-assign", Config{ID: idField(true)}},
	{"mux-caller-ids", Config{ID: idField(false)}},
}

func TestDoAndDoInto(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c := dial(t, d, tr.cfg)
			ctx := ctxFor(t, 10*time.Second)
			for i := range 50 {
				req := tokenRequest(uint16(i), uint64(i))
				reply, err := c.Do(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := tokenOf(reply); got != uint64(i) {
					t.Fatalf("request %d got reply %x", i, reply)
				}
				buf := make([]byte, 64)
				n, err := c.DoInto(ctx, req, buf)
				if err != nil || !bytes.Equal(buf[n-14:n], req[2:]) {
					t.Fatalf("DoInto: %x %v", buf[:n], err)
				}
				if tr.cfg.ID != nil && !tr.cfg.ID.Assign && !bytes.Equal(buf[:n], req) {
					t.Fatalf("caller's ID not echoed: %x", buf[:n])
				}
			}
			s := c.Stats()
			if s.Requests != 100 || s.Replies != 100 || s.Latency.Count() != 100 || s.InFlight != 0 {
				t.Errorf("stats %+v", s)
			}
			if s.Latency.Quantile(0.5) <= 0 || s.Latency.Quantile(0.5) > s.Latency.Quantile(1) {
				t.Errorf("latency p50 %v p100 %v", s.Latency.Quantile(0.5), s.Latency.Quantile(1))
			}
		})
	}
}

// The assigned ID goes into a copy: the caller's request is left as it was.
func TestAssignLeavesRequestAlone(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	c := dial(t, d, Config{ID: idField(true)})
	req := tokenRequest(0xBEEF, 7)
	orig := bytes.Clone(req)
	ids := map[uint16]bool{}
	for range 20 {
		reply, err := c.Do(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		ids[uint16(reply[0])<<8|uint16(reply[1])] = true
	}
	if !bytes.Equal(req, orig) {
		t.Errorf("request changed: %x, was %x", req, orig)
	}
	if len(ids) < 15 {
		t.Errorf("20 requests used only %d distinct IDs: not unpredictable", len(ids))
	}
}

// The reference scenario: 10 goroutines share a client of at most 3
// sockets; the device sees at most 3 client sockets and every caller gets
// its own reply.
func TestTenGoroutinesThreeSockets(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			d := startDevice(t, udptest.Config{Behavior: udptest.Behavior{Delay: time.Millisecond}})
			cfg := tr.cfg
			cfg.MaxSockets = 3
			c := dial(t, d, cfg)
			var wg sync.WaitGroup
			errs := make(chan error, 10)
			for g := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 20 {
						token := uint64(g*20 + i) // unique, also as a two-byte ID
						reply, err := c.Do(ctxFor(t, 10*time.Second), tokenRequest(uint16(token), token))
						if got, _ := tokenOf(reply); err != nil || got != token {
							errs <- fmt.Errorf("goroutine %d request %d: reply %x, err %v", g, i, reply, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if seen := d.Stats().Clients; seen > 3 || seen == 0 {
				t.Errorf("the device saw %d client sockets, want 1 to 3", seen)
			}
			if s := c.Stats(); s.SocketsPeak > 3 || s.Replies != 200 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestSocketBuffersGranted(t *testing.T) {
	d := startDevice(t, udptest.Config{})
	c := dial(t, d, Config{ReadBuffer: 64 << 10, WriteBuffer: 32 << 10})
	s := c.Stats()
	// Linux doubles what is asked, within its limits; any grant is
	// reported as the kernel gave it.
	if s.ReadBuffer <= 0 || s.WriteBuffer <= 0 {
		t.Fatalf("buffers not reported: %+v", s)
	}
	small := dial(t, d, Config{ReadBuffer: 4096})
	if got := small.Stats().ReadBuffer; got >= s.ReadBuffer {
		t.Errorf("a 4 KiB read buffer reported as %d, a 64 KiB one as %d", got, s.ReadBuffer)
	}
}

func TestLocalAddr(t *testing.T) {
	for _, tr := range transports[:3] {
		t.Run(tr.name, func(t *testing.T) {
			d := startDevice(t, udptest.Config{})
			probe, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			port := probe.LocalAddr().(*net.UDPAddr).Port
			probe.Close() // free the port for the client
			cfg := tr.cfg
			cfg.MaxSockets = 1
			cfg.LocalAddr = fmt.Sprintf("127.0.0.1:%d", port)
			c, err := Dial(context.Background(), d.String(), cfg)
			if cfg.Match == nil && cfg.ID == nil {
				// A socket replaced after a timeout would get the same port,
				// and the late reply to the request that timed out.
				if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "LocalAddr") {
					t.Fatalf("a fixed port without Match or ID: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Do(context.Background(), tokenRequest(1, 1)); err != nil {
				t.Fatal(err)
			}
			if n := d.Stats().Clients; n != 1 {
				t.Errorf("device saw %d clients", n)
			}
		})
	}
}

// A device that answers from another address: Unconnected accepts replies
// from the device's IP (any port) and from AcceptFrom, and drops the rest.
func TestUnconnectedChecksTheSource(t *testing.T) {
	relay, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	// The device replies from a second socket on 127.0.0.1, or, when told,
	// from 127.0.0.2 (on Linux the whole 127/8 is loopback).
	replier, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer replier.Close()
	foreignSock, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skipf("no 127.0.0.2 here: %v", err)
	}
	defer foreignSock.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := relay.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if bytes.HasPrefix(buf[:n], []byte("foreign")) {
				foreignSock.WriteToUDPAddrPort([]byte("spoofed"), from)
			}
			replier.WriteToUDPAddrPort(buf[:n], from)
		}
	}()

	connected := dialAddr(t, relay.LocalAddr().String(), Config{Timeout: 100 * time.Millisecond})
	if _, err := connected.Do(context.Background(), []byte("hello")); err != ErrTimeout {
		t.Fatalf("a connected socket heard another port: %v", err)
	}

	c := dialAddr(t, relay.LocalAddr().String(), Config{Unconnected: true, Timeout: 5 * time.Second})
	reply, err := c.Do(context.Background(), []byte("foreign hello"))
	if err != nil || string(reply) != "foreign hello" {
		t.Fatalf("%q %v", reply, err)
	}
	if s := c.Stats(); s.Foreign != 1 {
		t.Errorf("foreign datagrams %d, want 1", s.Foreign)
	}

	trusting := dialAddr(t, relay.LocalAddr().String(), Config{Unconnected: true, AcceptFrom: []netip.Addr{netip.MustParseAddr("127.0.0.2")}})
	reply, err = trusting.Do(context.Background(), []byte("foreign hello"))
	if err != nil || string(reply) != "spoofed" {
		t.Fatalf("AcceptFrom: %q %v", reply, err)
	}
}

func dialAddr(t *testing.T, addr string, cfg Config) *Client {
	t.Helper()
	c, err := Dial(context.Background(), addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
