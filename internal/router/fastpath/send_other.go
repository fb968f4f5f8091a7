//go:build !unix

package fastpath

import (
	"net"
	"syscall"
	"time"
)

// rawConn is not used here: writeRead writes and reads the ordinary way.
func rawConn(net.Conn) syscall.RawConn { return nil }

// writeRead writes the request p to the dyno; the caller reads the answer.
func (c *backendConn) writeRead(p []byte, _ time.Time) error {
	_, err := c.conn.Write(p)
	return err
}

// writeReadOp is unused here.
type writeReadOp struct{}
