package bench

import (
	"context"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jackc/puddle/v2"
	"github.com/udpool/udpool/udp"
)

// The UDP benchmarks send 16-byte requests to an echo server on loopback and
// count round trips. Every contender talks to the same kind of server in the
// same run; ns/op is the time per round trip across all callers, so
// 1e9/(ns/op) is round trips per second.

const (
	udpSockets = 8  // sockets of the pooled contenders and of the raw ceiling
	udpCallers = 64 // goroutines calling at once, where the contender pools
)

// echoServer answers every datagram with itself, from a few goroutines.
type echoServer struct {
	conn *net.UDPConn
	wg   sync.WaitGroup
}

func startEcho(b *testing.B) *echoServer {
	b.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	conn.SetReadBuffer(4 << 20)
	conn.SetWriteBuffer(4 << 20)
	s := &echoServer{conn: conn}
	for range 4 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			buf := make([]byte, 2048)
			for {
				n, from, err := conn.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				conn.WriteToUDPAddrPort(buf[:n], from)
			}
		}()
	}
	b.Cleanup(func() { conn.Close(); s.wg.Wait() })
	return s
}

func (s *echoServer) addr() string { return s.conn.LocalAddr().String() }

// parallelism makes RunParallel run n goroutines (GOMAXPROCS divides n in
// the configurations measured; otherwise a few more).
func parallelism(b *testing.B, n int) {
	p := n / runtime.GOMAXPROCS(0)
	b.SetParallelism(max(p, 1))
}

func udpRequest() []byte { return []byte("\x00\x00udpool-request") }

// roundTrip sends req on conn and reads the reply into buf, with a
// deadline if one is given.
func roundTrip(b *testing.B, conn *net.UDPConn, req, buf []byte, deadline time.Duration) {
	if deadline > 0 {
		conn.SetReadDeadline(time.Now().Add(deadline))
	}
	if _, err := conn.Write(req); err != nil {
		b.Error(err)
		return
	}
	if _, err := conn.Read(buf); err != nil {
		b.Error(err)
	}
}

func dialUDP(b *testing.B, addr string) *net.UDPConn {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := net.DialUDP("udp", nil, raddr)
	if err != nil {
		b.Fatal(err)
	}
	return conn
}

func BenchmarkUDP(b *testing.B) {
	b.Run("impl=raw", benchRaw)
	b.Run("impl=puddle", benchPuddleSockets)
	b.Run("impl=dial", benchDialPerRequest)
	b.Run("impl=udpool-exclusive", benchClient(udp.Config{MaxSockets: udpSockets}, false, false))
	b.Run("impl=udpool-exclusive-Do", benchClient(udp.Config{MaxSockets: udpSockets}, true, false))
	b.Run("impl=udpool-exclusive-ctx", benchClient(udp.Config{MaxSockets: udpSockets}, false, true))
	b.Run("impl=udpool-mux1", benchClient(udp.Config{MaxSockets: 1, ID: &udp.IDField{Len: 2, Assign: true}}, false, false))
	b.Run("impl=udpool-mux2", benchClient(udp.Config{MaxSockets: 2, ID: &udp.IDField{Len: 2, Assign: true}}, false, false))
	b.Run("impl=udpool-mux2-Do", benchClient(udp.Config{MaxSockets: 2, ID: &udp.IDField{Len: 2, Assign: true}}, true, false))
}

// benchRaw is the ceiling: one pre-connected socket per goroutine, 8 of
// each, no pool and no deadline.
func benchRaw(b *testing.B) {
	s := startEcho(b)
	conns := make(chan *net.UDPConn, udpSockets)
	for range udpSockets {
		c := dialUDP(b, s.addr())
		defer c.Close()
		conns <- c
	}
	parallelism(b, udpSockets)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		conn := <-conns
		req, buf := udpRequest(), make([]byte, 2048)
		for pb.Next() {
			roundTrip(b, conn, req, buf, 0)
		}
	})
	reportRate(b)
}

// benchPuddleSockets: 64 callers share 8 connected sockets pooled by
// puddle, with a read deadline per request.
func benchPuddleSockets(b *testing.B) {
	s := startEcho(b)
	p, err := puddle.NewPool(&puddle.Config[*net.UDPConn]{
		Constructor: func(context.Context) (*net.UDPConn, error) {
			raddr, _ := net.ResolveUDPAddr("udp", s.addr())
			return net.DialUDP("udp", nil, raddr)
		},
		Destructor: func(c *net.UDPConn) { c.Close() },
		MaxSize:    udpSockets,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	parallelism(b, udpCallers)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, buf := udpRequest(), make([]byte, 2048)
		for pb.Next() {
			r, err := p.Acquire(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			roundTrip(b, r.Value(), req, buf, time.Second)
			r.Release()
		}
	})
	reportRate(b)
}

// benchDialPerRequest: 64 callers, each request on a new socket, closed
// after its reply.
func benchDialPerRequest(b *testing.B) {
	s := startEcho(b)
	raddr, err := net.ResolveUDPAddr("udp", s.addr())
	if err != nil {
		b.Fatal(err)
	}
	parallelism(b, udpCallers)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, buf := udpRequest(), make([]byte, 2048)
		for pb.Next() {
			conn, err := net.DialUDP("udp", nil, raddr)
			if err != nil {
				b.Error(err)
				return
			}
			roundTrip(b, conn, req, buf, time.Second)
			conn.Close()
		}
	})
	reportRate(b)
}

// benchClient: 64 callers share a udp.Client, calling DoInto (or Do) with
// a background context (or, with cancelable, one that can be canceled).
func benchClient(cfg udp.Config, useDo, cancelable bool) func(*testing.B) {
	return func(b *testing.B) {
		s := startEcho(b)
		c, err := udp.Dial(context.Background(), s.addr(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		parallelism(b, udpCallers)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			if cancelable {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				defer cancel()
			}
			req, buf := udpRequest(), make([]byte, 2048)
			for pb.Next() {
				var err error
				if useDo {
					_, err = c.Do(ctx, req)
				} else {
					_, err = c.DoInto(ctx, req, buf)
				}
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
		reportRate(b)
		if st := c.Stats(); st.SocketsPeak > cfg.MaxSockets {
			b.Errorf("peak sockets %d > %d", st.SocketsPeak, cfg.MaxSockets)
		}
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "roundtrips/s")
}
