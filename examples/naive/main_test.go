package main

import (
	"net"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/udpool/udpool/udptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The naive client leaves a descriptor open per request and a goroutine
// blocked per lost reply; udp.Client stays within its 8 sockets and leaves
// nothing behind.
func TestNaiveLeaksPooledDoesNot(t *testing.T) {
	dev, err := udptest.Start(udptest.Config{Seed: 1, Behavior: udptest.Behavior{ReplyLoss: 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()

	// Stranded sockets are closed at the end, as the OS would at exit: that
	// also ends the goroutines blocked on them.
	var s stranded
	defer s.closeAll()

	const requests = 100
	base, err := openFDs()
	if err != nil {
		t.Skip(err)
	}
	pooled, err := burstPooled(dev.String(), requests, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("udp.Client: %+v", pooled)
	if pooled.fdsDuring > 8 || pooled.fdsAfter != 0 || pooled.answered+pooled.failed != requests || pooled.answered == 0 {
		t.Errorf("udp.Client: %+v; want at most 8 descriptors, none after Close", pooled)
	}

	base, _ = openFDs()
	naive := burstNaive(dev.String(), requests, s.record, base)
	t.Logf("naive: %+v", naive)
	if naive.fdsAfter < requests || naive.stuck == 0 || naive.answered == 0 {
		t.Errorf("naive client: %+v; want %d descriptors left open and some requests stuck", naive, requests)
	}
}

// stranded keeps the naive client's sockets, to close them at the end of a
// test, as the operating system does when the process exits: that also ends
// the goroutines blocked on them.
type stranded struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (s *stranded) record(c net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
}

func (s *stranded) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.Close()
	}
}

func TestRunPrintsBoth(t *testing.T) {
	var out strings.Builder
	var s stranded
	defer s.closeAll()
	if err := run(&out, 20, s.record); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"naive client:", "blocked forever", "udp.Client:", "0 after Close"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
