package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// routerSock is where a stopped server's router socket waits for the next server.
func routerSock(cfg *Config) string { return filepath.Join(cfg.Data, "router.sock") }

// listenRouter returns the router's listener: the socket the previous server handed over,
// or a new one. It runs first thing at start, so that from then on connections wait in the
// socket's queue rather than being refused while the server starts.
func listenRouter(ctx context.Context, cfg *Config, log *slog.Logger) (net.Listener, error) {
	ln, handed, err := router.ListenOrTakeover(ctx, routerSock(cfg), cfg.RouterListen, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.RouterListen, err)
	}
	if handed {
		log.Info("took over the router socket of the previous server", "listen", ln.Addr().String())
	}
	return ln, nil
}

// handOverRouter gives a duplicate of the router's socket to a `bera router-hold` process,
// which keeps it open for the next server for up to wait. Errors are logged: the socket
// then closes with this server, as it did before hand-overs.
func handOverRouter(ln net.Listener, cfg *Config, wait time.Duration, log *slog.Logger) {
	if wait <= 0 {
		return
	}
	lnFile, sockFile, err := router.HandOff(ln, routerSock(cfg))
	if err != nil {
		log.Warn("hand over the router socket", "err", err)
		return
	}
	defer lnFile.Close()
	defer sockFile.Close()
	cmd := exec.Command(cfg.Executable, "router-hold", wait.String())
	cmd.ExtraFiles = []*os.File{lnFile, sockFile}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // no signal of our process group
	if err := cmd.Start(); err != nil {
		log.Warn("hand over the router socket", "err", err)
		return
	}
	cmd.Process.Release()
	log.Info("router socket handed over for the next server", "wait", wait)
}
