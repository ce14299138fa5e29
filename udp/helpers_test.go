package udp

import (
	"context"
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/udpool/udpool/udptest"
)

// startDevice starts a simulated device on loopback, closed with the test.
func startDevice(t testing.TB, cfg udptest.Config) *udptest.Device {
	t.Helper()
	d, err := udptest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// dial makes a client of d, closed with the test.
func dial(t testing.TB, d *udptest.Device, cfg Config) *Client {
	t.Helper()
	c, err := Dial(context.Background(), d.String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// idField is a two-byte ID at the start of every packet, as in DNS.
func idField(assign bool) *IDField { return &IDField{Offset: 0, Len: 2, Assign: assign} }

// tokenRequest is a request that carries a unique token after a two-byte ID
// field: [id:2][token:8][padding].
func tokenRequest(id uint16, token uint64) []byte {
	b := make([]byte, 2+8+6)
	binary.BigEndian.PutUint16(b, id)
	binary.BigEndian.PutUint64(b[2:], token)
	copy(b[10:], "udpool")
	return b
}

// tokenOf returns the token a request or reply carries.
func tokenOf(p []byte) (uint64, bool) {
	if len(p) != 16 {
		return 0, false
	}
	return binary.BigEndian.Uint64(p[2:]), true
}

// openFDs counts the process's open file descriptors, less the one used to
// count them.
func openFDs(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(entries) - 1
}

// ctxFor is a context that ends after d, canceled with the test.
func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
