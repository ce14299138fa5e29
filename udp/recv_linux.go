//go:build linux

package udp

import (
	"net"
	"syscall"
	"unsafe"
)

// datagramReader reads one datagram from a connected socket with recv(2)
// and MSG_TRUNC, with which Linux returns the datagram's full length even
// when the buffer is shorter: truncation is seen without the cost of
// recvmsg (about a tenth of a round trip on loopback). It waits through
// the runtime's poller, so deadlines and Close work as for any read. One
// goroutine reads at a time.
type datagramReader struct {
	raw  syscall.RawConn
	recv func(fd uintptr) bool // r.recvOnce, made once

	buf []byte // the buffer of the read in progress
	n   int    // the datagram's full length
	err error
}

func newDatagramReader(c *net.UDPConn) *datagramReader {
	raw, err := c.SyscallConn()
	if err != nil {
		return nil
	}
	r := &datagramReader{raw: raw}
	r.recv = r.recvOnce
	return r
}

// recvOnce tries one recv; false means nothing is there yet.
func (r *datagramReader) recvOnce(fd uintptr) bool {
	var p unsafe.Pointer
	if len(r.buf) > 0 {
		p = unsafe.Pointer(&r.buf[0])
	}
	for {
		n, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(p), uintptr(len(r.buf)),
			syscall.MSG_TRUNC|syscall.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			r.n, r.err = int(n), nil
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.err = 0, errno
		return true
	}
}

// read reads one datagram into buf; truncated reports one longer than buf.
func (r *datagramReader) read(buf []byte) (n int, truncated bool, err error) {
	r.buf = buf
	err = r.raw.Read(r.recv)
	r.buf = nil
	if err == nil {
		err = r.err
	}
	if err != nil {
		return 0, false, err
	}
	if r.n > len(buf) {
		return len(buf), true, nil
	}
	return r.n, false, nil
}
