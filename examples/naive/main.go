// Command naive shows the bug udpool exists to end: a UDP client that dials
// a socket per request, reads the reply with no deadline and never closes
// the socket. Against a device that loses replies under load, every request
// leaves a descriptor open, and every lost reply leaves a goroutine blocked
// forever. The same burst through a udp.Client stays within its sockets.
//
// It runs against a simulated device on loopback and is bounded (a few
// hundred requests), so it cannot exhaust the machine:
//
//	go run ./examples/naive
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

func main() {
	if err := run(os.Stdout, 200, nil); err != nil {
		fmt.Fprintln(os.Stderr, "naive:", err)
		os.Exit(1)
	}
}

// naiveRequest is the client of the reference write-up, bug for bug: a new
// socket per request, no read deadline, never closed. opened, if not nil,
// is told of each socket (the test uses it to clean up after itself, as the
// operating system does when the process exits).
func naiveRequest(addr string, req []byte, opened func(net.Conn)) ([]byte, error) {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return nil, err
	}
	if opened != nil {
		opened(conn)
	}
	if _, err := conn.Write(req); err != nil {
		return nil, err
	}
	buf := make([]byte, 1024)
	n, err := conn.Read(buf) // no deadline: a lost reply blocks here forever
	if err != nil {
		return nil, err
	}
	return buf[:n], nil // and conn is never closed
}

// result is what one burst did.
type result struct {
	answered, stuck, failed int
	fdsDuring, fdsAfter     int // descriptors over the baseline
}

// run sends the same burst of requests through the naive client and through
// a udp.Client, and prints what each left behind.
func run(w io.Writer, requests int, opened func(net.Conn)) error {
	dev, err := udptest.Start(udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 0.5}})
	if err != nil {
		return err
	}
	defer dev.Close()
	// The pooled burst runs first: the naive client's answered sockets are
	// closed only when the garbage collector finds them, which would move
	// the count under the second burst.
	baseline, err := openFDs()
	if err != nil {
		return err
	}
	pooled, err := burstPooled(dev.String(), requests, baseline)
	if err != nil {
		return err
	}
	baseline, _ = openFDs()
	naive := burstNaive(dev.String(), requests, opened, baseline)

	fmt.Fprintf(w, "naive client:  %d requests, %d answered, %d blocked forever; %d descriptors still open\n",
		requests, naive.answered, naive.stuck, naive.fdsAfter)
	fmt.Fprintf(w, "udp.Client:    %d requests, %d answered, %d timed out; at most %d descriptors open, %d after Close\n",
		requests, pooled.answered, pooled.failed, pooled.fdsDuring, pooled.fdsAfter)
	return nil
}

// burstNaive sends requests at once and waits a while for the replies; the
// requests whose reply was lost never return.
func burstNaive(addr string, requests int, opened func(net.Conn), baseline int) result {
	replies := make(chan error, requests)
	for i := range requests {
		go func() {
			_, err := naiveRequest(addr, fmt.Appendf(nil, "request %d", i), opened)
			replies <- err
		}()
	}
	var r result
	wait := time.After(500 * time.Millisecond)
	for r.answered+r.failed < requests {
		select {
		case err := <-replies:
			if err != nil {
				r.failed++
			} else {
				r.answered++
			}
			continue
		case <-wait:
		}
		break
	}
	r.stuck = requests - r.answered - r.failed
	if n, err := openFDs(); err == nil {
		r.fdsAfter = n - baseline
	}
	return r
}

// burstPooled sends the same burst through a udp.Client of 8 sockets with a
// 100ms timeout.
func burstPooled(addr string, requests, baseline int) (result, error) {
	c, err := udp.Dial(context.Background(), addr, udp.Config{MaxSockets: 8, Timeout: 100 * time.Millisecond})
	if err != nil {
		return result{}, err
	}
	var mu sync.Mutex
	var r result
	var wg sync.WaitGroup
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, err := c.Do(ctx, fmt.Appendf(nil, "request %d", i))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				r.answered++
			} else {
				r.failed++
			}
			if n, err := openFDs(); err == nil && n-baseline > r.fdsDuring {
				r.fdsDuring = n - baseline
			}
		}()
	}
	wg.Wait()
	c.Close()
	if n, err := openFDs(); err == nil {
		r.fdsAfter = n - baseline
	}
	return r, nil
}

// openFDs counts the process's open descriptors (Linux), less the one used
// to count them.
func openFDs() (int, error) {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, fmt.Errorf("counting descriptors: %w", err)
	}
	return len(entries) - 1, nil
}
