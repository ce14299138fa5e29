package udptest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// Config describes a device. The zero Config is an echo device on a free
// loopback port that loses nothing.
type Config struct {
	// Addr is the address to listen on. Default "127.0.0.1:0": loopback, a
	// free port.
	Addr string

	// Handler makes the reply to a request; nil echoes the request after
	// Prefix, as the reference echo server does. A nil reply sends nothing.
	// Handler runs on the device's one processing goroutine.
	Handler func(req []byte) []byte
	Prefix  []byte

	// IDOffset and IDLen locate a request ID in the payload. With IDLen set,
	// the device copies the request's ID into the same place of its reply,
	// as real protocols (DNS, RADIUS) do, whatever Handler returns.
	IDOffset, IDLen int

	// Seed makes the device's random choices repeatable; 0 draws a seed.
	Seed uint64

	Behavior
}

// Device is a running simulated device. Its methods are safe for concurrent
// use.
type Device struct {
	cfg  Config
	addr *net.UDPAddr // fixed across Down and Up

	behavior atomic.Pointer[Behavior]
	counts   counters

	mu         sync.Mutex
	conn       *net.UDPConn // nil while down
	readerDone chan struct{}
	clients    map[netip.AddrPort]struct{}

	in        chan arrival
	stop      chan struct{}
	loopDone  chan struct{}
	closeOnce sync.Once
}

// arrival is a request as the reader hands it to the processing loop.
type arrival struct {
	data []byte
	from netip.AddrPort
}

// socketBuffer is what the device asks the kernel for, so that bursts in
// tests are limited by the simulated capacity, not the socket.
const socketBuffer = 4 << 20

// Start validates cfg and starts a device.
func Start(cfg Config) (*Device, error) {
	if err := cfg.Behavior.Validate(); err != nil {
		return nil, err
	}
	if cfg.IDOffset < 0 || cfg.IDLen < 0 {
		return nil, fmt.Errorf("udptest: IDOffset and IDLen must not be negative, got %d and %d", cfg.IDOffset, cfg.IDLen)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	addr, err := net.ResolveUDPAddr("udp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("udptest: bad Addr %q: %w", cfg.Addr, err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("udptest: %w", err)
	}
	d := &Device{
		cfg:      cfg,
		addr:     conn.LocalAddr().(*net.UDPAddr),
		clients:  map[netip.AddrPort]struct{}{},
		in:       make(chan arrival, 1024),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	b := cfg.Behavior
	d.behavior.Store(&b)
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	go d.loop(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
	d.startReader(conn)
	return d, nil
}

// Addr is the device's address; it stays the same across Down and Up.
func (d *Device) Addr() *net.UDPAddr { return d.addr }

// String returns the device's address as host:port.
func (d *Device) String() string { return d.addr.String() }

// SetBehavior changes what the device does from the next request on.
func (d *Device) SetBehavior(b Behavior) error {
	if err := b.Validate(); err != nil {
		return err
	}
	d.behavior.Store(&b)
	return nil
}

// Behavior returns what the device does now.
func (d *Device) Behavior() Behavior { return *d.behavior.Load() }

// Down takes the device off the network: its socket is closed, so the
// kernel answers requests to its port with ICMP port unreachable, and
// replies it still had pending are lost. Down on a device that is down
// does nothing.
func (d *Device) Down() {
	d.mu.Lock()
	conn, done := d.conn, d.readerDone
	d.conn = nil
	d.mu.Unlock()
	if conn != nil {
		conn.Close()
		<-done
	}
}

// Up brings the device back on the same address after Down. It fails if
// another socket took the port meanwhile.
func (d *Device) Up() error {
	d.mu.Lock()
	up := d.conn != nil
	d.mu.Unlock()
	select {
	case <-d.stop:
		return errors.New("udptest: device closed")
	default:
	}
	if up {
		return nil
	}
	conn, err := net.ListenUDP("udp", d.addr)
	if err != nil {
		return fmt.Errorf("udptest: up again on %s: %w", d.addr, err)
	}
	d.startReader(conn)
	return nil
}

// Close stops the device. No goroutine of it is left when Close returns.
func (d *Device) Close() error {
	d.closeOnce.Do(func() {
		close(d.stop)
		d.Down()
		<-d.loopDone
	})
	return nil
}

func (d *Device) startReader(conn *net.UDPConn) {
	conn.SetReadBuffer(socketBuffer)
	conn.SetWriteBuffer(socketBuffer)
	done := make(chan struct{})
	d.mu.Lock()
	d.conn, d.readerDone = conn, done
	d.mu.Unlock()
	go d.read(conn, done)
}

// read receives requests and hands them to the processing loop in arrival
// order.
func (d *Device) read(conn *net.UDPConn, done chan struct{}) {
	defer close(done)
	buf := make([]byte, 65536)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. ICMP errors for replies to clients that left
		}
		d.counts.received.Add(1)
		d.mu.Lock()
		d.clients[from] = struct{}{}
		d.mu.Unlock()
		select {
		case d.in <- arrival{data: append([]byte(nil), buf[:n]...), from: from}:
		case <-d.stop:
			return
		}
	}
}

// send writes a reply, unless the device is down.
func (d *Device) send(payload []byte, to netip.AddrPort) {
	d.mu.Lock()
	conn := d.conn
	d.mu.Unlock()
	if conn == nil {
		d.counts.droppedDown.Add(1)
		return
	}
	// Counted before the write so that a client that has read the reply
	// also sees it counted; a failed write takes the count back.
	d.counts.replied.Add(1)
	if _, err := conn.WriteToUDPAddrPort(payload, to); err != nil {
		d.counts.replied.Add(^uint64(0))
		d.counts.droppedDown.Add(1)
	}
}

// respond makes the reply to a request.
func (d *Device) respond(req []byte) []byte {
	var reply []byte
	if d.cfg.Handler != nil {
		reply = d.cfg.Handler(req)
	} else {
		reply = append(append([]byte(nil), d.cfg.Prefix...), req...)
	}
	off, n := d.cfg.IDOffset, d.cfg.IDLen
	if reply != nil && n > 0 && len(req) >= off+n && len(reply) >= off+n {
		copy(reply[off:off+n], req[off:off+n])
	}
	return reply
}
