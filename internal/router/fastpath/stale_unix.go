//go:build unix

package fastpath

import (
	"errors"
	"net"
	"syscall"
)

// alive reports whether an idle connection to a dyno is still open and quiet: one
// non-blocking read must find nothing to read. A dyno that closed it (keep-alive timeout,
// restart) makes the read return end of file; stray bytes make it unusable too.
func alive(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var b [1]byte
	var n int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), b[:])
		return true // one attempt, never wait
	})
	return err == nil && n < 0 && errors.Is(rerr, syscall.EAGAIN)
}
