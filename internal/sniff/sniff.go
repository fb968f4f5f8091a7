// Package sniff serves TLS and plain HTTP on one port: it reads the first byte of each
// connection and starts a TLS handshake when it is 0x16 (a TLS handshake record).
package sniff

import (
	"bufio"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// Listener wraps a net.Listener. Connections that open with TLS are returned as *tls.Conn,
// so http.Server sees them as TLS (r.TLS is set).
type Listener struct {
	net.Listener
	tls     *tls.Config
	timeout time.Duration
	conns   chan net.Conn
	done    chan struct{}
	once    sync.Once
	err     error
}

// New starts accepting on l. A client has timeout to send its first byte.
func New(l net.Listener, cfg *tls.Config, timeout time.Duration) *Listener {
	s := &Listener{Listener: l, tls: cfg, timeout: timeout, conns: make(chan net.Conn), done: make(chan struct{})}
	go s.acceptLoop()
	return s
}

func (s *Listener) acceptLoop() {
	for {
		c, err := s.Listener.Accept()
		if err != nil {
			s.closeWith(err)
			return
		}
		go s.classify(c)
	}
}

// classify peeks at the first byte without blocking Accept for other clients.
func (s *Listener) classify(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(s.timeout))
	br := bufio.NewReader(c)
	b, err := br.Peek(1)
	if err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	var out net.Conn = &peekedConn{Conn: c, r: br}
	if b[0] == 0x16 && s.tls != nil {
		out = tls.Server(out, s.tls)
	}
	select {
	case s.conns <- out:
	case <-s.done:
		c.Close()
	}
}

// Accept returns the next classified connection.
func (s *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		if s.err != nil {
			return nil, s.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting.
func (s *Listener) Close() error { return s.closeWith(nil) }

// closeWith stops accepting; the first call sets the error Accept returns from then on
// (nil: net.ErrClosed). s.err is written before done is closed and read only after, so
// Accept never races the accept loop.
func (s *Listener) closeWith(acceptErr error) error {
	var err error
	s.once.Do(func() {
		s.err = acceptErr
		close(s.done)
		err = s.Listener.Close()
	})
	return err
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
