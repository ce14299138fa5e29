package udptest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func start(t *testing.T, cfg Config) *Device {
	t.Helper()
	d, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func dial(t *testing.T, d *Device) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends req and returns the reply, or nil after wait.
func roundTrip(t *testing.T, c *net.UDPConn, req string, wait time.Duration) ([]byte, error) {
	t.Helper()
	if _, err := c.Write([]byte(req)); err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 2048)
	n, err := c.Read(buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

func TestEchoWithPrefix(t *testing.T) {
	d := start(t, Config{Prefix: []byte("echo: ")})
	if !d.Addr().IP.IsLoopback() {
		t.Fatalf("device on %v, want loopback", d.Addr())
	}
	c := dial(t, d)
	got, err := roundTrip(t, c, "hello", 5*time.Second)
	if err != nil || string(got) != "echo: hello" {
		t.Fatalf("got %q, %v", got, err)
	}
	s := d.Stats()
	if s.Received != 1 || s.Replied != 1 || s.Clients != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestHandlerAndIDEcho(t *testing.T) {
	d := start(t, Config{
		Handler:  func(req []byte) []byte { return []byte("XXreply") },
		IDOffset: 0, IDLen: 2,
	})
	c := dial(t, d)
	got, err := roundTrip(t, c, "abquery", 5*time.Second)
	if err != nil || string(got) != "abreply" {
		t.Fatalf("got %q, %v; want the request ID copied into the reply", got, err)
	}
}

func TestLossDropsEverything(t *testing.T) {
	d := start(t, Config{Behavior: Behavior{ReplyLoss: 1}})
	c := dial(t, d)
	if _, err := roundTrip(t, c, "x", 50*time.Millisecond); !errors.Is(err, syscall.EAGAIN) && !isTimeout(err) {
		t.Fatalf("got %v, want a timeout", err)
	}
	if s := d.Stats(); s.DroppedReplies != 1 || s.Replied != 0 {
		t.Errorf("stats %+v", s)
	}
	if err := d.SetBehavior(Behavior{RequestLoss: 1}); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "y", 50*time.Millisecond)
	if s := d.Stats(); s.DroppedRequests != 1 {
		t.Errorf("stats %+v", s)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestLateAndDuplicateReplies(t *testing.T) {
	d := start(t, Config{Behavior: Behavior{LateShare: 1, LateDelay: 100 * time.Millisecond, DuplicateShare: 1}})
	c := dial(t, d)
	if _, err := roundTrip(t, c, "first", 20*time.Millisecond); !isTimeout(err) {
		t.Fatalf("a late reply came early: %v", err)
	}
	// Both copies of the late reply arrive afterwards.
	for i := 0; i < 2; i++ {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "first" {
			t.Fatalf("copy %d: %q %v", i, buf[:n], err)
		}
	}
	if s := d.Stats(); s.Late != 1 || s.Duplicates != 1 || s.Replied != 2 {
		t.Errorf("stats %+v", s)
	}
}

func TestReorder(t *testing.T) {
	d := start(t, Config{Seed: 1, Behavior: Behavior{ReorderShare: 0.5}})
	c := dial(t, d)
	const n = 200
	for i := 0; i < n; i++ {
		c.Write([]byte(fmt.Sprint(i)))
	}
	outOfOrder, last := 0, -1
	buf := make([]byte, 64)
	for i := 0; i < n; i++ {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		m, err := c.Read(buf)
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		var v int
		fmt.Sscan(string(buf[:m]), &v)
		if v < last {
			outOfOrder++
		}
		last = max(last, v)
	}
	if outOfOrder == 0 || d.Stats().Reordered == 0 {
		t.Errorf("no reordering seen (%d out of order, stats %+v)", outOfOrder, d.Stats())
	}
}

func TestCapacityDropsBeyondQueue(t *testing.T) {
	d := start(t, Config{Behavior: Behavior{Workers: 1, QueueLen: 2, Delay: 50 * time.Millisecond}})
	c := dial(t, d)
	for i := 0; i < 10; i++ {
		c.Write([]byte("burst"))
	}
	got := 0
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(time.Second))
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
		got++
	}
	s := d.Stats()
	if got != 3 || s.DroppedQueueFull != 7 {
		t.Errorf("got %d replies, dropped %d; want 1 processing + 2 queued = 3 and 7 dropped", got, s.DroppedQueueFull)
	}
}

func TestRateLimit(t *testing.T) {
	d := start(t, Config{Behavior: Behavior{Rate: 100}})
	c := dial(t, d)
	for i := 0; i < 50; i++ {
		c.Write([]byte("x"))
	}
	waitFor(t, func() bool { s := d.Stats(); return s.Replied+s.DroppedRate == 50 })
	if s := d.Stats(); s.DroppedRate < 40 {
		t.Errorf("a burst of 50 at 100/s: only %d dropped", s.DroppedRate)
	}
}

func TestDownAnswersUnreachableAndUpRecovers(t *testing.T) {
	d := start(t, Config{})
	c := dial(t, d)
	if _, err := roundTrip(t, c, "a", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	d.Down()
	_, err := roundTrip(t, c, "b", 5*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("while down: %v, want connection refused (ICMP port unreachable)", err)
	}
	if err := d.Up(); err != nil {
		t.Fatal(err)
	}
	if got, err := roundTrip(t, c, "c", 5*time.Second); err != nil || string(got) != "c" {
		t.Fatalf("after Up: %q %v", got, err)
	}
}

func TestDistinctClients(t *testing.T) {
	d := start(t, Config{})
	for i := 0; i < 3; i++ {
		c := dial(t, d)
		for j := 0; j < 4; j++ {
			if _, err := roundTrip(t, c, "x", 5*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
	if s := d.Stats(); s.Clients != 3 || s.Received != 12 {
		t.Errorf("stats %+v", s)
	}
	d.Reset()
	if s := d.Stats(); s.Clients != 0 || s.Received != 0 {
		t.Errorf("after Reset: %+v", s)
	}
}

// The same seed and the same requests give the same choices.
func TestSeededDeviceIsDeterministic(t *testing.T) {
	run := func() string {
		d, err := Start(Config{Seed: 42, Behavior: Behavior{ReplyLoss: 0.5}})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		c, _ := net.DialUDP("udp", nil, d.Addr())
		defer c.Close()
		var got strings.Builder
		buf := make([]byte, 16)
		for i := 0; i < 40; i++ {
			fmt.Fprint(c, i)
			c.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
			if n, err := c.Read(buf); err == nil {
				got.Write(buf[:n])
				got.WriteByte(' ')
			}
		}
		return got.String()
	}
	if a, b := run(), run(); a != b {
		t.Errorf("two runs with one seed differ:\n%s\n%s", a, b)
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []Config{
		{Behavior: Behavior{ReplyLoss: 1.5}},
		{Behavior: Behavior{Delay: -1}},
		{Behavior: Behavior{QueueLen: 3}},
		{Behavior: Behavior{LateShare: 0.1}},
		{Behavior: Behavior{Rate: -1}},
		{IDLen: -1},
		{Addr: "no-such-host-anywhere.invalid:x"},
	} {
		if d, err := Start(cfg); err == nil {
			d.Close()
			t.Errorf("Start accepted %+v", cfg)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
