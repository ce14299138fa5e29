package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// A socket is one UDP socket of the client, connected to the device unless
// Config.Unconnected is set, with its own counters: a socket is used by one
// request at a time (exclusive) or by the callers of one reader (multiplexed),
// so counting on it writes no memory shared by every caller.
type socket struct {
	conn      *net.UDPConn
	connected bool
	device    *net.UDPAddr
	accept    []netip.Addr // unconnected: reply sources accepted

	readBuffer, writeBuffer int // what the kernel granted
	localPort               uint16

	replies []byte // Do's read buffer (exclusive transport), made on first use

	fast *datagramReader // connected sockets on Linux: recv with MSG_TRUNC

	counts socketCounts
}

// openSocket opens a socket to device with cfg's options.
func openSocket(cfg *Config, device *net.UDPAddr) (*socket, error) {
	var local *net.UDPAddr
	if cfg.LocalAddr != "" {
		var err error
		if local, err = net.ResolveUDPAddr("udp", cfg.LocalAddr); err != nil {
			return nil, fmt.Errorf("udp: LocalAddr %q: %w", cfg.LocalAddr, err)
		}
	}
	s := &socket{device: device, connected: !cfg.Unconnected}
	var err error
	if s.connected {
		s.conn, err = net.DialUDP("udp", local, device)
	} else {
		if local == nil {
			local = &net.UDPAddr{}
		}
		s.conn, err = net.ListenUDP("udp", local)
		deviceIP, _ := netip.AddrFromSlice(device.IP)
		s.accept = append([]netip.Addr{deviceIP.Unmap()}, cfg.AcceptFrom...)
	}
	if err != nil {
		return nil, fmt.Errorf("udp: open socket to %v: %w", device, err)
	}
	if cfg.ReadBuffer > 0 {
		s.conn.SetReadBuffer(cfg.ReadBuffer)
	}
	if cfg.WriteBuffer > 0 {
		s.conn.SetWriteBuffer(cfg.WriteBuffer)
	}
	s.readBuffer, s.writeBuffer = grantedBuffers(s.conn)
	if a, ok := s.conn.LocalAddr().(*net.UDPAddr); ok {
		s.localPort = uint16(a.Port)
	}
	if s.connected {
		s.fast = newDatagramReader(s.conn)
	}
	return s, nil
}

// grantedBuffers reads back SO_RCVBUF and SO_SNDBUF: the kernel may grant
// less (or, on Linux, twice) what was asked.
func grantedBuffers(c *net.UDPConn) (read, write int) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, 0
	}
	raw.Control(func(fd uintptr) {
		read, _ = getsockoptInt(fd, syscall.SO_RCVBUF)
		write, _ = getsockoptInt(fd, syscall.SO_SNDBUF)
	})
	return read, write
}

// replyBuffer is the socket's buffer of size bytes for replies that Do
// copies out: one per socket, so memory stays bounded by MaxSockets.
func (s *socket) replyBuffer(size int) []byte {
	if s.replies == nil {
		s.replies = make([]byte, size)
	}
	return s.replies
}

func (s *socket) close() error { return s.conn.Close() }

// write sends one request.
func (s *socket) write(p []byte) error {
	var err error
	if s.connected {
		_, err = s.conn.Write(p)
	} else {
		_, err = s.conn.WriteToUDP(p, s.device)
	}
	return classify(err)
}

// read receives one datagram from the device into buf. truncated reports a
// datagram larger than buf (the kernel says so with MSG_TRUNC); the bytes
// in buf are then only its start.
func (s *socket) read(buf []byte) (n int, truncated bool, err error) {
	if s.fast != nil {
		n, truncated, err = s.fast.read(buf)
		return n, truncated, classify(err)
	}
	for {
		n, _, flags, from, err := s.conn.ReadMsgUDPAddrPort(buf, nil)
		if err != nil {
			return 0, false, classify(err)
		}
		if !s.connected && !s.accepts(from) {
			s.counts.foreign.Add(1)
			continue
		}
		return n, flags&msgTrunc != 0, nil
	}
}

func (s *socket) accepts(from netip.AddrPort) bool {
	ip := from.Addr().Unmap()
	for _, a := range s.accept {
		if a == ip {
			return true
		}
	}
	return false
}

// aLongTimeAgo is a deadline that has passed: setting it ends a blocked read.
var aLongTimeAgo = time.Unix(1, 0)

// errAttemptTimeout is a socket deadline passing: the attempt timed out.
var errAttemptTimeout = errors.New("udp: attempt deadline passed")

// classify turns socket errors into the client's errors.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return errAttemptTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTDOWN):
		return fmt.Errorf("%w: %v", ErrUnreachable, err)
	case errors.Is(err, net.ErrClosed):
		return ErrClosed
	}
	return err
}
