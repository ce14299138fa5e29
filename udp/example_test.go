package udp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/udpool/udpool/udp"
	"github.com/udpool/udpool/udptest"
)

// A client of an echo device with at most 8 sockets and a 200ms timeout.
func Example() {
	dev, err := udptest.Start(udptest.Config{Prefix: []byte("echo: ")})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	c, err := udp.Dial(context.Background(), dev.String(), udp.Config{
		MaxSockets: 8,
		Timeout:    200 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	reply, err := c.Do(context.Background(), []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply)
	// Output: echo: hello
}

// The multiplexed transport for a protocol with a two-byte ID at the start
// of every packet, as in DNS: the client stamps a fresh ID into each request
// and matches the replies by it, over two sockets.
func Example_multiplexed() {
	dev, err := udptest.Start(udptest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()

	c, err := udp.Dial(context.Background(), dev.String(), udp.Config{
		MaxSockets: 2,
		ID:         &udp.IDField{Offset: 0, Len: 2, Assign: true},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	req := []byte("\x00\x00what time is it?") // the ID bytes are overwritten in a copy
	reply, err := c.Do(context.Background(), req)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", reply[2:])
	// Output: what time is it?
}

// DoInto reads the reply into the caller's buffer: no allocation per call.
func ExampleClient_DoInto() {
	dev, err := udptest.Start(udptest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	c, err := udp.Dial(context.Background(), dev.String(), udp.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	buf := make([]byte, 1500)
	for _, req := range []string{"one", "two"} {
		n, err := c.DoInto(context.Background(), []byte(req), buf)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\n", buf[:n])
	}
	// Output:
	// one
	// two
}

// A device that drops every reply: the call ends after Timeout with
// ErrTimeout, and Stats counts it.
func ExampleErrTimeout() {
	dev, err := udptest.Start(udptest.Config{Behavior: udptest.Behavior{ReplyLoss: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	c, err := udp.Dial(context.Background(), dev.String(), udp.Config{Timeout: 50 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	_, err = c.Do(context.Background(), []byte("anyone there?"))
	fmt.Println(errors.Is(err, udp.ErrTimeout), c.Stats().Timeouts)
	// Output: true 1
}

// Match checks that a reply answers its request. Here the device echoes a
// sequence number; a late reply to an earlier request fails the check and
// is dropped, so the socket can be kept after a timeout.
func ExampleConfig_match() {
	dev, err := udptest.Start(udptest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Close()
	c, err := udp.Dial(context.Background(), dev.String(), udp.Config{
		Match: func(req, reply []byte) bool {
			return len(reply) >= 4 && string(reply[:4]) == string(req[:4])
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	reply, err := c.Do(context.Background(), []byte("0001 status?"))
	fmt.Printf("%s %v\n", reply, err)
	// Output: 0001 status? <nil>
}
