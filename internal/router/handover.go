package router

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// A restart of `bera server` hands its router's listening socket to the next server, so
// that clients never see a refused connection: the socket stays open from one process to the
// next, and connections made in between wait in its accept queue.
//
// The stopping server, once it has served its last request, gives a duplicate of the socket
// to a small holder process (`bera router-hold`) that outlives it; the holder does not accept
// but keeps the socket until a new server asks for it on a Unix socket in the data dir
// (Takeover), or until its wait ends. Takeover receives the socket with SCM_RIGHTS.

// Takeover asks the holder listening on sockPath for the router socket and returns it as a
// listener when it is bound to addr. It returns (nil, nil) when no holder answers; a socket
// bound elsewhere (--router-listen changed) is closed.
func Takeover(ctx context.Context, sockPath, addr string) (net.Listener, error) {
	if _, err := os.Stat(sockPath); err != nil {
		return nil, nil
	}
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "unix", sockPath)
	if err != nil {
		return nil, nil // a holder that gave up and left its socket file
	}
	defer c.Close()
	uc := c.(*net.UnixConn)
	uc.SetDeadline(time.Now().Add(2 * time.Second))
	buf, oob := make([]byte, 1), make([]byte, syscall.CmsgSpace(4))
	_, oobn, _, _, err := uc.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, fmt.Errorf("take over the router socket: %w", err)
	}
	f, err := fileFromRights(oob[:oobn])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("take over the router socket: %w", err)
	}
	if !sameAddr(addr, ln.Addr()) {
		ln.Close()
		return nil, nil
	}
	return ln, nil
}

func fileFromRights(oob []byte) (*os.File, error) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil || len(msgs) != 1 {
		return nil, errors.New("take over the router socket: no socket received")
	}
	fds, err := syscall.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		return nil, errors.New("take over the router socket: no socket received")
	}
	return os.NewFile(uintptr(fds[0]), "router"), nil
}

// sameAddr reports whether a listener bound to got serves the configured address want.
func sameAddr(want string, got net.Addr) bool {
	ta, ok := got.(*net.TCPAddr)
	host, port, err := net.SplitHostPort(want)
	if !ok || err != nil || port != fmt.Sprint(ta.Port) {
		return false
	}
	switch host {
	case "", "0.0.0.0", "::":
		return ta.IP.IsUnspecified()
	case "localhost":
		return ta.IP.IsLoopback()
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.Equal(ta.IP)
}

// ListenOrTakeover returns the router's listener: the socket a previous server left with its
// holder on sockPath, or a new one on addr. While addr is still taken (the previous server
// is stopping and has not handed its socket over yet) it keeps trying, for up to wait.
func ListenOrTakeover(ctx context.Context, sockPath, addr string, wait time.Duration) (ln net.Listener, handed bool, err error) {
	deadline := time.Now().Add(wait)
	for {
		if ln, err = Takeover(ctx, sockPath, addr); ln != nil || err != nil {
			return ln, ln != nil, err
		}
		ln, err = Listen(ctx, addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return ln, false, err
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Hold keeps the listening socket ln open, without accepting, until one process connects to
// the Unix listener ul and receives it, or until wait ends. It removes ul's socket file.
func Hold(ln *os.File, ul *net.UnixListener, wait time.Duration) error {
	defer os.Remove(ul.Addr().String())
	defer ul.Close()
	ul.SetDeadline(time.Now().Add(wait))
	for {
		c, err := ul.AcceptUnix()
		if err != nil {
			return err
		}
		_, _, err = c.WriteMsgUnix([]byte{1}, syscall.UnixRights(int(ln.Fd())), nil)
		c.Close()
		if err == nil {
			return nil
		}
	}
}

// HandOff prepares the hand-over of ln to the next server: it listens on sockPath and
// returns duplicates of both sockets, for a holder process to inherit (Hold). The caller
// closes the returned files once the holder has started.
func HandOff(ln net.Listener, sockPath string) (lnFile, sockFile *os.File, err error) {
	tl, ok := ln.(*net.TCPListener)
	if !ok {
		return nil, nil, errors.New("hand over the router socket: not a TCP listener")
	}
	os.Remove(sockPath)
	ul, err := net.ListenUnix("unix", &net.UnixAddr{Name: sockPath, Net: "unix"})
	if err != nil {
		return nil, nil, fmt.Errorf("hand over the router socket: %w", err)
	}
	ul.SetUnlinkOnClose(false) // the holder owns the socket file from now on
	defer ul.Close()
	if err := os.Chmod(sockPath, 0o600); err != nil {
		return nil, nil, err
	}
	if sockFile, err = ul.File(); err != nil {
		return nil, nil, err
	}
	if lnFile, err = tl.File(); err != nil {
		sockFile.Close()
		return nil, nil, err
	}
	return lnFile, sockFile, nil
}
