package router

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A connection made while the socket is between servers waits in its queue and is
// accepted by the server that takes the socket over; none is refused.
func TestHandOverKeepsConnections(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "router.sock")
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	lnFile, sockFile, err := HandOff(ln, sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close() // the old server is gone; the holder's copy keeps the socket

	held := make(chan error, 1)
	go func() {
		l, err := net.FileListener(sockFile)
		sockFile.Close()
		if err != nil {
			held <- err
			return
		}
		ul := l.(*net.UnixListener)
		ul.SetUnlinkOnClose(false)
		held <- Hold(lnFile, ul, 10*time.Second)
		lnFile.Close()
	}()

	// A client between the servers: its connection is made, its request waits.
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dial between servers: %v", err)
	}
	defer c.Close()
	c.Write([]byte("ping"))

	next, handed, err := ListenOrTakeover(context.Background(), sock, addr, time.Second)
	if err != nil || !handed {
		t.Fatalf("ListenOrTakeover: handed %v, %v", handed, err)
	}
	defer next.Close()
	if err := <-held; err != nil {
		t.Fatalf("Hold: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("the holder left its socket file: %v", err)
	}
	next.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	s, err := next.Accept()
	if err != nil {
		t.Fatalf("accept the waiting connection: %v", err)
	}
	defer s.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v; want ping", buf, err)
	}
}

// Without a holder, ListenOrTakeover listens anew; a socket bound elsewhere is not taken.
func TestListenOrTakeoverFresh(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "router.sock")
	ln, handed, err := ListenOrTakeover(context.Background(), sock, "127.0.0.1:0", 0)
	if err != nil || handed {
		t.Fatalf("handed %v, %v", handed, err)
	}
	ln.Close()
}

func TestSameAddr(t *testing.T) {
	tcp := func(ip string, port int) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: port} }
	for _, tt := range []struct {
		want string
		got  net.Addr
		same bool
	}{
		{"127.0.0.1:8080", tcp("127.0.0.1", 8080), true},
		{"127.0.0.1:8080", tcp("127.0.0.1", 8081), false},
		{"127.0.0.2:8080", tcp("127.0.0.1", 8080), false},
		{":8080", tcp("::", 8080), true},
		{"0.0.0.0:8080", tcp("0.0.0.0", 8080), true},
		{":8080", tcp("127.0.0.1", 8080), false},
		{"localhost:8080", tcp("127.0.0.1", 8080), true},
		{"127.0.0.1:0", tcp("127.0.0.1", 8080), false},
	} {
		if got := sameAddr(tt.want, tt.got); got != tt.same {
			t.Errorf("sameAddr(%q, %v) = %v", tt.want, tt.got, got)
		}
	}
}
