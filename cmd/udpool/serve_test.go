package main

import (
	"bytes"
	"context"
	"net"
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

// serve answers on loopback with its prefix, prints counts while it runs,
// and stops cleanly when its context ends (as on SIGINT).
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs syncBuffer
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve", "-listen", "127.0.0.1:0", "-prefix", "echo: ", "-every", "20ms"}, &out, &errs)
	}()
	addr := waitFor(t, &out, regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`))[1]

	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("hello"))
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil || string(buf[:n]) != "echo: hello" {
		t.Fatalf("reply %q %v", buf[:n], err)
	}
	waitFor(t, &out, regexp.MustCompile(`received 1, replied 1 .*clients 1`))

	cancel()
	select {
	case c := <-code:
		if c != 0 || !strings.Contains(out.String(), "udpool serve: stopped") {
			t.Errorf("exit %d, stdout %q, stderr %q", c, out.String(), errs.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "-loss", "-0.5"}, 2, "ReplyLoss must be in [0, 1]"},
		{[]string{"serve", "-every", "-1s"}, 2, "-every must not be negative"},
		{[]string{"serve", "-listen", "not-an-address"}, 1, "not-an-address"},
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
