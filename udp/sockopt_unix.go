//go:build unix

package udp

import "syscall"

// msgTrunc is the recvmsg flag that reports a datagram cut to fit.
const msgTrunc = syscall.MSG_TRUNC

func getsockoptInt(fd uintptr, opt int) (int, error) {
	return syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, opt)
}
