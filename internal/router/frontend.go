package router

import (
	"context"
	"net"
	"net/http"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

// Frontend serves the router over plain HTTP/1.1 (--router-listen). Its fast path
// (package fastpath) handles the requests nearly all traffic is made of, GETs and other
// bodyless requests to a known app with up dynos, byte for byte on the connection's
// goroutine without net/http's request objects. Everything else (bodies, upgrades,
// HTTP/1.0, error pages, unusual syntax) is handed, with its connection and the bytes
// already read, to Slow: a net/http server for the same Router, which keeps the connection
// from then on. With Config.DisableFastPath, Slow serves every connection.
//
// Both paths forward the same headers, keep the same log line and error codes, and are
// tested against each other (see package fastpath).
type Frontend struct {
	// Slow serves the requests the fast path hands over. NewFrontend sets it to
	// Router.NewServer; wrap its Handler to add behaviour (ACME challenges, redirects).
	Slow *http.Server
	// Divert, when set, is asked with each request's normalized host (valid only during
	// the call): true hands the request to Slow. Requests for ACME HTTP-01 challenges
	// always go there.
	Divert func(host []byte) bool

	r    *Router
	fast *fastpath.Server // nil with Config.DisableFastPath
}

// NewFrontend returns the plain-HTTP front end of r; addr is only reported by Slow.
func (r *Router) NewFrontend(addr string) *Frontend {
	f := &Frontend{Slow: r.NewServer(addr), r: r}
	if !r.cfg.DisableFastPath {
		f.fast = fastpath.New(fastpath.Config{
			Routes:                 fastRoutes{f},
			Logger:                 r.logger,
			Dialer:                 r.dialer,
			ResponseTimeout:        r.cfg.ResponseTimeout,
			IdleTimeout:            r.cfg.IdleTimeout,
			MaxIdleConnsPerBackend: r.cfg.MaxIdleConnsPerBackend,
			Attempts:               r.cfg.Attempts,
			Via:                    r.cfg.Via,
			EventLoop:              r.cfg.EventLoop,
		}, f.Slow)
	}
	return f
}

// Serve accepts connections on ln until Shutdown or Close, after which it returns
// http.ErrServerClosed.
func (f *Frontend) Serve(ln net.Listener) error {
	if f.fast == nil {
		return f.Slow.Serve(ln)
	}
	return f.fast.Serve(ln)
}

// Shutdown stops accepting, closes idle connections, and waits for the requests in flight
// (on both paths) until ctx ends.
func (f *Frontend) Shutdown(ctx context.Context) error {
	if f.fast == nil {
		return f.Slow.Shutdown(ctx)
	}
	return f.fast.Shutdown(ctx)
}

// Close closes the listeners and every connection at once.
func (f *Frontend) Close() error {
	if f.fast == nil {
		return f.Slow.Close()
	}
	return f.fast.Close()
}

// Listen returns a TCP listener for the Frontend. Its connections get no TCP keep-alive
// probes, which saves two system calls per accepted connection: Config.IdleTimeout already
// ends connections that stay silent.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	lc := net.ListenConfig{KeepAlive: -1}
	return lc.Listen(ctx, "tcp", addr)
}
