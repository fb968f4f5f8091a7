//go:build !linux

package fastpath

import "errors"

// Event loops are Linux's alone (loop_linux.go); elsewhere every connection gets a
// goroutine.

type loops struct{}

type loop struct{}

func newLoops(*Server, int) (*loops, error) {
	return nil, errors.New("event loops need Linux")
}

func (*loops) adopt(*frontConn) bool { return false }
func (*loops) wake()                 {}
func (*loops) stop()                 {}
func loopCount() int                 { return 0 }
