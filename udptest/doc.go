// Package udptest is a simulated UDP device for tests and demos: a server on
// loopback that behaves like network hardware under load. It loses requests
// and replies, delays and jitters them, sends some replies late, twice or
// out of order, processes a bounded number of requests at once with a
// bounded queue and drops the rest, and can go down (its port then answers
// with ICMP port unreachable) and come back up on the same port. It counts
// what it saw, including how many distinct client sockets talked to it.
//
// Every random choice is drawn on one goroutine in the order requests
// arrive, so a device started with a Seed makes the same choices for the
// same sequence of requests.
//
//	d, err := udptest.Start(udptest.Config{
//		Behavior: udptest.Behavior{ReplyLoss: 0.2, LateShare: 0.1, LateDelay: time.Second},
//	})
//	defer d.Close()
//	conn, _ := net.Dial("udp", d.Addr().String())
package udptest
