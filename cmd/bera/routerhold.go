package main

import (
	"net"
	"os"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// runRouterHold is `bera router-hold WAIT`, started by handOverRouter with the router's
// socket as fd 3 and the hand-over Unix socket as fd 4.
func runRouterHold(args []string) int {
	if len(args) != 1 {
		return 2
	}
	wait, err := time.ParseDuration(args[0])
	if err != nil {
		return 2
	}
	lnFile, sockFile := os.NewFile(3, "router"), os.NewFile(4, "router.sock")
	l, err := net.FileListener(sockFile)
	sockFile.Close()
	ul, ok := l.(*net.UnixListener)
	if err != nil || !ok {
		return 1
	}
	ul.SetUnlinkOnClose(false)
	if err := router.Hold(lnFile, ul, wait); err != nil {
		return 1
	}
	return 0
}
