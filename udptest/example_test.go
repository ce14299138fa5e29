package udptest_test

import (
	"fmt"
	"net"
	"time"

	"github.com/udpool/udpool/udptest"
)

// A device that drops every reply: the client must not wait forever.
func Example() {
	d, err := udptest.Start(udptest.Config{
		Prefix:   []byte("echo: "),
		Behavior: udptest.Behavior{ReplyLoss: 1},
	})
	if err != nil {
		panic(err)
	}
	defer d.Close()

	c, _ := net.DialUDP("udp", nil, d.Addr())
	defer c.Close()
	c.Write([]byte("hello"))
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(make([]byte, 64))
	fmt.Println("timed out:", err.(net.Error).Timeout())
	s := d.Stats()
	fmt.Println("received:", s.Received, "replies lost:", s.DroppedReplies)
	// Output:
	// timed out: true
	// received: 1 replies lost: 1
}

// Down closes the device's port, so the client gets "connection refused"
// from the kernel's ICMP port unreachable; Up brings it back on the same port.
func ExampleDevice_Down() {
	d, _ := udptest.Start(udptest.Config{})
	defer d.Close()
	c, _ := net.DialUDP("udp", nil, d.Addr())
	defer c.Close()
	buf := make([]byte, 64)

	d.Down()
	c.Write([]byte("ping"))
	c.SetReadDeadline(time.Now().Add(time.Second))
	_, err := c.Read(buf)
	fmt.Println(err != nil)

	d.Up()
	c.Write([]byte("ping"))
	c.SetReadDeadline(time.Now().Add(time.Second))
	n, _ := c.Read(buf)
	fmt.Println(string(buf[:n]))
	// Output:
	// true
	// ping
}
