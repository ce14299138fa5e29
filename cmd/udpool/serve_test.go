package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls out until re matches, for at most 10s.
func waitFor(t *testing.T, out *syncBuffer, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %v in output:\n%s", re, out.String())
	return nil
}

// runningServe is `udpool serve` running in-process until stop.
type runningServe struct {
	out, errs syncBuffer
	addr      string // where the device listens
	cancel    context.CancelFunc
	code      chan int
}

// startServe runs serve with args (a free loopback port is added) and waits
// until it listens.
func startServe(t *testing.T, args ...string) *runningServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &runningServe{cancel: cancel, code: make(chan int, 1)}
	go func() {
		s.code <- run(ctx, append([]string{"serve", "-listen", "127.0.0.1:0"}, args...), &s.out, &s.errs)
	}()
	s.addr = waitFor(t, &s.out, regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`))[1]
	return s
}

// stop ends serve as SIGINT would and returns its exit code.
func (s *runningServe) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case c := <-s.code:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
		return -1
	}
}

// exchange sends msg to addr from a fresh socket and returns the reply.
func exchange(t *testing.T, addr, msg string) string {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte(msg))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no reply to %q: %v", msg, err)
	}
	return string(buf[:n])
}

// serve answers on loopback with its prefix, prints counts while it runs,
// and stops cleanly when its context ends (as on SIGINT).
func TestServe(t *testing.T) {
	s := startServe(t, "-prefix", "echo: ", "-every", "20ms")
	if reply := exchange(t, s.addr, "hello"); reply != "echo: hello" {
		t.Fatalf("reply %q", reply)
	}
	waitFor(t, &s.out, regexp.MustCompile(`received 1, replied 1 .*clients 1`))
	if c := s.stop(t); c != 0 || !strings.Contains(s.out.String(), "udpool serve: stopped") {
		t.Errorf("exit %d, stdout %q, stderr %q", c, s.out.String(), s.errs.String())
	}
}

func TestServeBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "-loss", "-0.5"}, 2, "-loss must be in [0, 1], got -0.5"},
		{[]string{"serve", "-id-offset", "-1"}, 2, "-id-offset must not be negative"},
		{[]string{"serve", "-listen", "127.0.0.1"}, 2, "-listen must be host:port or :port"},
		{[]string{"serve", "-every", "-1s"}, 2, "-every must not be negative"},
		{[]string{"serve", "stray"}, 2, `unexpected argument "stray"`},
		{[]string{"serve", "-h"}, 0, "Usage: udpool serve"},
	} {
		var out, errs bytes.Buffer
		c := run(context.Background(), tt.args, &out, &errs)
		if c != tt.code || !strings.Contains(out.String()+errs.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want %d and %q", tt.args, c, out.String()+errs.String(), tt.code, tt.want)
		}
	}
}

// With -metrics, serve exposes the device's counts (and the process's) to
// Prometheus on loopback; logs go to stderr in the format asked.
func TestServeMetrics(t *testing.T) {
	s := startServe(t, "-every", "0", "-metrics", "127.0.0.1:0", "-log-format", "json")
	url := waitFor(t, &s.errs, regexp.MustCompile(`"url":"(http://127\.0\.0\.1:\d+/metrics)"`))[1]
	exchange(t, s.addr, "hi")

	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`udpool_device_requests_total{device="serve"} 1`, `udpool_device_clients{device="serve"} 1`, "process_open_fds", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if c := s.stop(t); c != 0 {
		t.Errorf("exit %d: %s", c, s.errs.String())
	}
}

func TestObserveFlagsRejected(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "-log-level", "loud"}, 2, "-log-level must be debug, info, warn or error"},
		{[]string{"load", "-target", "127.0.0.1:9", "-payload", "x", "-log-format", "xml"}, 2, "-log-format must be text or json"},
		{[]string{"demo", "-metrics", "nonsense"}, 2, "-metrics must be host:port"},
	} {
		var out, errs bytes.Buffer
		if c := run(context.Background(), tt.args, &out, &errs); c != tt.code || !strings.Contains(errs.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, c, errs.String(), tt.code, tt.want)
		}
	}
}
