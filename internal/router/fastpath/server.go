package fastpath

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// errTooManyFiles is the accept error that is worth waiting out.
var errTooManyFiles = syscall.EMFILE

// Server serves plain HTTP/1.1 connections: the requests nearly all traffic is made of,
// GETs and other bodyless requests that Routes has a route for, byte for byte on the
// connection's goroutine without net/http's request objects. Everything else (bodies,
// upgrades, HTTP/1.0, error pages, unusual syntax) is handed, with its connection and the
// bytes already read, to a net/http server (the slow path), which keeps the connection
// from then on.
type Server struct {
	slow   *http.Server
	cfg    Config
	slowLn *handoffListener
	once   sync.Once
	closed atomic.Bool           // Shutdown or Close began: no new Serve, accept errors are expected
	killed atomic.Bool           // Close began: connections still being accepted are dropped
	loops  atomic.Pointer[loops] // with Config.EventLoop, set once by the first Serve

	mu    sync.Mutex // guards the following
	lns   map[net.Listener]struct{}
	conns map[*frontConn]struct{}
}

// New returns a Server for cfg (see Config for the defaults) that hands what it does not
// serve to slow.
func New(cfg Config, slow *http.Server) *Server {
	return &Server{
		slow:   slow,
		cfg:    cfg.withDefaults(),
		slowLn: newHandoffListener(),
		lns:    map[net.Listener]struct{}{},
		conns:  map[*frontConn]struct{}{},
	}
}

// Serve accepts connections on ln until Shutdown or Close, after which it returns
// http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.once.Do(func() {
		go s.slow.Serve(s.slowLn) //nolint:errcheck // ends with Shutdown
		if s.cfg.EventLoop {
			ls, err := newLoops(s, loopCount())
			if err != nil {
				s.cfg.Logger.Warn("no event loops: every connection gets a goroutine", "err", err)
				return
			}
			s.loops.Store(ls)
		}
	})
	if !s.track(ln) {
		ln.Close()
		return http.ErrServerClosed
	}
	defer s.untrack(ln)
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if s.closed.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.cfg.Logger.Warn("accept", "err", err, "retry_in", backoff)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newFrontConn(s, conn)
		if !s.add(c) {
			conn.Close()
			continue
		}
		go c.serve()
	}
}

// newConnGrace is how long Shutdown leaves a connection that has not sent its first
// request yet: a client that has just connected is about to send it, and closing its
// connection then fails the request (it was never served, but it is not safe to retry).
const newConnGrace = time.Second

// Shutdown stops accepting, closes idle connections (new ones once they have had
// newConnGrace for their first request), and waits for the requests in flight (on both
// paths) until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closed.Store(true)
	s.closeListeners()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	graceEnd := time.Now().Add(newConnGrace)
	// Until every Serve has returned, one may still add a connection it had accepted.
	for !s.closeIdle(time.Now().After(graceEnd)) || s.serving() {
		select {
		case <-ctx.Done():
			s.slow.Shutdown(ctx) //nolint:errcheck // ctx's error is returned
			return ctx.Err()
		case <-tick.C:
		}
	}
	s.slowLn.Close()
	s.stopLoops()
	return s.slow.Shutdown(ctx)
}

// stopLoops ends the event loops, if any, once they closed their connections.
func (s *Server) stopLoops() {
	s.once.Do(func() {}) // no loops start after this
	if ls := s.loops.Load(); ls != nil {
		ls.stop()
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.killed.Store(true)
	s.closed.Store(true)
	s.closeListeners()
	s.mu.Lock()
	for c := range s.conns {
		if c.conn != nil { // else an event loop's, which closes it (s.killed)
			c.conn.Close()
		}
	}
	s.mu.Unlock()
	s.stopLoops()
	s.slowLn.Close()
	return s.slow.Close()
}

// track registers a listener, unless the front end is closed.
func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return false
	}
	s.lns[ln] = struct{}{}
	return true
}

func (s *Server) untrack(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lns, ln)
}

func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ln := range s.lns {
		ln.Close()
	}
}

// serving reports whether a Serve has not returned yet.
func (s *Server) serving() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lns) > 0
}

// add registers a connection, unless the front end was closed with Close. After Shutdown
// began, a connection that was accepted meanwhile is still served (Shutdown waits for it):
// its client has connected and sent its request, and closing it would fail that request.
func (s *Server) add(c *frontConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.killed.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// remove forgets a connection that closed or was handed over.
func (s *Server) remove(c *frontConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// closeIdle closes the connections waiting for another request, and with fresh the ones
// waiting for their first, and reports whether none is left.
func (s *Server) closeIdle(fresh bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if (c.state.CompareAndSwap(connIdle, connClosing) || fresh && c.state.CompareAndSwap(connNew, connClosing)) && c.conn != nil {
			c.conn.Close() // an event loop closes its own (loops.wake)
		}
	}
	if ls := s.loops.Load(); ls != nil {
		ls.wake()
	}
	return len(s.conns) == 0
}

// handoff gives conn, whose first bytes were already read into pre, to the slow path.
func (s *Server) handoff(conn net.Conn, pre []byte) {
	pc := &prefixConn{Conn: conn, pre: append([]byte(nil), pre...)}
	select {
	case s.slowLn.conns <- pc:
	case <-s.slowLn.done:
		conn.Close()
	}
}

// handoffListener is the slow path's listener: it accepts the connections the fast path
// hands over.
type handoffListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newHandoffListener() *handoffListener {
	return &handoffListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// Accept implements net.Listener.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr implements net.Listener.
func (l *handoffListener) Addr() net.Addr { return handoffAddr{} }

// handoffAddr is the address of the handoff listener.
type handoffAddr struct{}

func (handoffAddr) Network() string { return "handoff" }
func (handoffAddr) String() string  { return "handoff" }

// prefixConn is a connection whose first bytes, already read by the fast path, are read
// again from pre.
type prefixConn struct {
	net.Conn
	pre []byte
}

// Read implements net.Conn.
func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close the connection, as it does with a *net.TCPConn.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
