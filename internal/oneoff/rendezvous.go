package oneoff

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// rendezvousGreeting is the first chunk sent to a rendezvous client. The Heroku CLI throws
// the whole first chunk away, so it goes out on its own before any output.
const rendezvousGreeting = "rendezvous\r\n"

// eot is what the Heroku CLI sends at the end of its piped stdin (^D).
const eot = 0x04

// maxSecretLine bounds the first line of a rendezvous connection.
const maxSecretLine = 512

// handshakeTimeout bounds the time a rendezvous client has to send its secret.
const handshakeTimeout = 10 * time.Second

// ServeRendezvous serves Heroku's rendezvous protocol on ln, which should be a TLS listener
// whose certificate the clients trust: the client's first line is the secret from
// attach_url, the server answers "rendezvous\r\n", then the link carries the dyno's stdin
// and output as raw bytes until the command exits. It returns when ctx ends (closing ln and
// stopping attached dynos) or ln fails.
func (m *Manager) ServeRendezvous(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		wg.Go(func() {
			defer conn.Close()
			if err := m.serveRendezvousConn(ctx, conn); err != nil {
				m.log.Info("rendezvous connection ended", "remote", conn.RemoteAddr().String(), "err", err)
			}
		})
	}
}

// serveRendezvousConn runs one rendezvous session.
func (m *Manager) serveRendezvousConn(ctx context.Context, conn net.Conn) error {
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	br := bufio.NewReaderSize(conn, 4096)
	secret, err := ReadSecretLine(br)
	if err != nil {
		return err
	}
	p, err := m.Attach(ctx, secret, "", "")
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Time{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if _, err := io.WriteString(conn, rendezvousGreeting); err != nil {
		cancel()
	}
	stdinDone := make(chan struct{})
	var input sync.WaitGroup
	input.Go(func() {
		if err := pumpRendezvousInput(br, p, stdinDone); err != nil {
			cancel()
		}
	})
	_, err = p.Wait(ctx, conn, nil)
	// The Heroku CLI writes an EOT when its piped stdin ends (even when the dyno has a TTY)
	// and crashes if the socket is closed by then; a quick command can exit first, so wait
	// for the EOT a little: briefly with a TTY, where an interactive client sends none.
	wait := eotWait
	if p.TTY {
		wait = eotWaitTTY
	}
	select {
	case <-stdinDone:
	case <-time.After(wait):
	}
	conn.Close() // ends the input pump
	input.Wait()
	return err
}

// How long a finished session waits for the client's EOT, without and with a TTY.
const (
	eotWait    = 2 * time.Second
	eotWaitTTY = 300 * time.Millisecond
)

// ReadSecretLine reads the first line of a rendezvous connection, the attach_url's path
// and query without the leading "/", and returns the secret: the path, with "\r\n", a
// leading "/" and any query removed. It fails on lines longer than 512 bytes.
func ReadSecretLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		b, err := r.ReadByte()
		if err != nil {
			return "", err
		}
		if b == '\n' {
			break
		}
		if len(line) >= maxSecretLine {
			return "", errors.New("rendezvous: first line too long")
		}
		line = append(line, b)
	}
	s := strings.TrimSuffix(string(line), "\r")
	s = strings.TrimPrefix(s, "/")
	s, _, _ = strings.Cut(s, "?")
	if s == "" {
		return "", errors.New("rendezvous: empty secret")
	}
	return s, nil
}

// pumpRendezvousInput copies the client's bytes to the dyno. An EOT at the end of a read
// is the end of the client's stdin: without a TTY it closes the dyno's stdin (with one, the
// pty reads the EOT itself). stdinDone is closed at the first EOT or when the client stops
// sending. It returns nil when the client half-closed without a TTY (the command still
// runs) and an error when the client is gone.
func pumpRendezvousInput(r io.Reader, p *Process, stdinDone chan<- struct{}) error {
	var once sync.Once
	done := func() { once.Do(func() { close(stdinDone) }) }
	defer done()
	buf := make([]byte, 32<<10)
	closed := false
	for {
		n, err := r.Read(buf)
		if n > 0 && !closed {
			data := buf[:n]
			end := data[n-1] == eot
			if end && !p.TTY {
				data, closed = data[:n-1], true
			}
			if _, werr := p.Stdin.Write(data); werr != nil {
				return werr
			}
			if closed {
				p.Stdin.Close()
			}
			if end {
				done()
			}
		}
		if errors.Is(err, io.EOF) && !p.TTY {
			if !closed {
				p.Stdin.Close()
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}
