//go:build !linux

package udp

import "net"

// datagramReader is Linux's fast path; elsewhere sockets read with
// ReadMsgUDPAddrPort.
type datagramReader struct{}

func newDatagramReader(*net.UDPConn) *datagramReader { return nil }

func (*datagramReader) read([]byte) (int, bool, error) { panic("unreachable") }
