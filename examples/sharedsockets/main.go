// Command sharedsockets is the reference story in runnable form: ten
// goroutines send requests to one UDP device through a client of at most
// three sockets. Each gets its own reply, and the device sees only three
// client sockets.
//
//	go run ./examples/sharedsockets
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sharedsockets:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// The device answers "echo: " and the request, a little later, as the
	// reference server does.
	dev, err := udptest.Start(udptest.Config{
		Prefix:   []byte("echo: "),
		Behavior: udptest.Behavior{Delay: 5 * time.Millisecond},
	})
	if err != nil {
		return err
	}
	defer dev.Close()

	client, err := udp.Dial(context.Background(), dev.String(), udp.Config{
		MaxSockets: 3,
		Timeout:    time.Second,
	})
	if err != nil {
		return err
	}
	defer client.Close()

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		lines []string
		errs  []error
	)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := fmt.Sprintf("hello from goroutine %d", i)
			reply, err := client.Do(context.Background(), []byte(req))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("goroutine %d: %w", i, err))
				return
			}
			lines = append(lines, fmt.Sprintf("goroutine %d got %q", i, reply))
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintf(w, "the device saw %d client sockets; the client opened %d\n",
		dev.Stats().Clients, client.Stats().SocketsCreated)
	return nil
}
