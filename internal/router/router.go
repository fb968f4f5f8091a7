package router

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

// Config configures a Router. Zero fields take the defaults listed.
type Config struct {
	// Logger gets the router's own diagnostics (not the per-request lines). Default: discard.
	Logger *slog.Logger
	// Sink gets one router log line per request to a known app. Optional.
	Sink LogSink
	// Metrics gets one observation per request to a known app. Optional.
	Metrics Metrics
	// Selector balances requests over an app's backends. Default: P2C.
	Selector Selector
	// ResponseTimeout is how long a dyno has to send response headers (H12). Default 30 s.
	ResponseTimeout time.Duration
	// IdleTimeout ends a request with no data either way for this long once the response
	// started, WebSockets included (H15). It is also the keep-alive timeout of client
	// connections in NewServer. Default 55 s.
	IdleTimeout time.Duration
	// ConnectTimeout bounds dialing a dyno (H19). Default 5 s.
	ConnectTimeout time.Duration
	// MaxHeaderBytes bounds a request's header size (NewServer). Default 64 KiB.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request body; bigger ones get 413. Default 0: no limit (Heroku
	// has none).
	MaxBodyBytes int64
	// MaxIdleConnsPerBackend is the keep-alive pool size per dyno. Default 512.
	MaxIdleConnsPerBackend int
	// Attempts is how many backends a request may try when connecting fails. Default 3.
	Attempts int
	// Via is added to the Via header of requests to dynos. Default "1.1 bera".
	Via string
	// DisableFastPath makes the Frontend hand every connection to its net/http server
	// instead of serving plain requests itself (package fastpath). Default false: on.
	DisableFastPath bool
	// EventLoop makes the fast path serve keep-alive connections from an event loop for
	// every two CPUs instead of a goroutine each (fastpath.Config.EventLoop). Default false
	// here; bera server turns it on.
	EventLoop bool
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Selector == nil {
		c.Selector = P2C{}
	}
	c.ResponseTimeout = orDefault(c.ResponseTimeout, 30*time.Second)
	c.IdleTimeout = orDefault(c.IdleTimeout, 55*time.Second)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, 5*time.Second)
	c.MaxHeaderBytes = orDefault(c.MaxHeaderBytes, 64<<10)
	c.MaxIdleConnsPerBackend = orDefault(c.MaxIdleConnsPerBackend, 512)
	c.Attempts = orDefault(c.Attempts, 3)
	c.Via = orDefault(c.Via, "1.1 bera")
	return c
}

// orDefault returns v, or def when v is the zero value.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Router is an http.Handler that routes requests by Host to apps' dynos. It is safe for
// concurrent use; table updates are serialized and never block requests.
type Router struct {
	cfg       Config
	logger    *slog.Logger
	table     atomic.Pointer[Table]
	proxy     *httputil.ReverseProxy
	transport *http.Transport
	dialer    *net.Dialer

	mu sync.Mutex // guards the following, and serializes table updates
	// retired holds backends removed from the table, by address, until they are drained.
	retired map[string]*Upstream
}

// New returns a Router with an empty table.
func New(cfg Config) *Router {
	cfg = cfg.withDefaults()
	r := &Router{cfg: cfg, logger: cfg.Logger.With("component", "router"), retired: map[string]*Upstream{}}
	r.dialer = &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	r.transport = newTransport(r.dialer, cfg)
	r.proxy = r.newProxy()
	r.table.Store(&Table{})
	return r
}

// NewServer returns an *http.Server for addr that serves r with the router's header limit
// and client keep-alive timeout. Set its TLSConfig and use ServeTLS for HTTPS.
func (r *Router) NewServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           r,
		MaxHeaderBytes:    r.cfg.MaxHeaderBytes,
		ReadHeaderTimeout: r.cfg.ResponseTimeout,
		IdleTimeout:       r.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
	}
}

// Close drops the idle keep-alive connections to dynos. In-flight requests are not touched;
// shut the http.Server down first.
func (r *Router) Close() error {
	r.transport.CloseIdleConnections()
	for _, e := range r.table.Load().apps {
		for _, u := range e.ups {
			u.fast.conns.Close()
		}
	}
	return nil
}

// Table returns the current snapshot.
func (r *Router) Table() *Table { return r.table.Load() }

// SetTable replaces the whole table. Backends present before and after (same address and
// dyno) keep their in-flight counts; the others are retired and can be waited for with Drain.
func (r *Router) SetTable(t *Table) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.swapLocked(t)
}

// Upsert adds or replaces one app's route.
func (r *Router) Upsert(rt Route) error {
	return r.update(func(routes map[string]Route) error {
		routes[rt.AppID] = rt
		return nil
	})
}

// Remove deletes an app's route; its hosts answer 404 from now on.
func (r *Router) Remove(appID string) {
	r.update(func(routes map[string]Route) error { //nolint:errcheck // removal cannot fail
		delete(routes, appID)
		return nil
	})
}

// AddBackend adds a dyno that is up to an app's route. It returns ErrUnknownApp (wrapped) if
// the app has no route yet.
func (r *Router) AddBackend(appID string, b Backend) error {
	return r.update(func(routes map[string]Route) error {
		rt, ok := routes[appID]
		if !ok {
			return fmt.Errorf("add backend %s: %w %s", b.Addr, ErrUnknownApp, appID)
		}
		rt.Backends = append(append([]Backend(nil), rt.Backends...), b)
		routes[appID] = rt
		return nil
	})
}

// RemoveBackend takes the backend at addr out of an app's route, so it gets no new
// requests. Call Drain next to wait for the requests it is still serving, then stop the dyno.
func (r *Router) RemoveBackend(appID, addr string) error {
	return r.update(func(routes map[string]Route) error {
		rt, ok := routes[appID]
		if !ok {
			return fmt.Errorf("remove backend %s: %w %s", addr, ErrUnknownApp, appID)
		}
		kept := make([]Backend, 0, len(rt.Backends))
		for _, b := range rt.Backends {
			if b.Addr != addr {
				kept = append(kept, b)
			}
		}
		rt.Backends = kept
		routes[appID] = rt
		return nil
	})
}

// SetBackends replaces the dynos of an app's route, keeping its hosts and settings, so a
// dyno that went away leaves the table at once, without waiting for a full route. It
// returns ErrUnknownApp (wrapped) if the app has no route yet.
func (r *Router) SetBackends(appID string, backends []Backend, crashed bool) error {
	return r.update(func(routes map[string]Route) error {
		rt, ok := routes[appID]
		if !ok {
			return fmt.Errorf("set backends: %w %s", ErrUnknownApp, appID)
		}
		rt.Backends, rt.Crashed = append([]Backend(nil), backends...), crashed
		routes[appID] = rt
		return nil
	})
}

// Drain waits until no request is in flight to the backend at addr, which must have left the
// table (RemoveBackend, Upsert, Remove or SetTable). It returns at once for an address it
// does not know, and ctx's error (wrapped) if ctx ends first: use a context with a timeout.
func (r *Router) Drain(ctx context.Context, addr string) error {
	r.mu.Lock()
	u := r.retired[addr]
	r.mu.Unlock()
	if u == nil {
		return nil
	}
	select {
	case <-u.idle:
		r.mu.Lock()
		if r.retired[addr] == u {
			delete(r.retired, addr)
		}
		r.mu.Unlock()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("drain %s (%d in flight): %w", addr, u.InFlight(), ctx.Err())
	}
}

// update applies change to a copy of the routes and publishes the result.
func (r *Router) update(change func(map[string]Route) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.table.Load()
	routes := make(map[string]Route, len(old.apps)+1)
	for id, e := range old.apps {
		routes[id] = e.route
	}
	if err := change(routes); err != nil {
		return err
	}
	list := make([]Route, 0, len(routes))
	for _, rt := range routes {
		list = append(list, rt)
	}
	t, err := NewTable(list)
	if err != nil {
		return err
	}
	r.swapLocked(t)
	return nil
}

// swapLocked publishes a copy of t whose backends reuse the live state of the current
// table's, and retires the backends that left.
func (r *Router) swapLocked(t *Table) {
	old := r.table.Load()
	live := make(map[string]*Upstream)
	for _, e := range old.apps {
		for _, u := range e.ups {
			live[u.Addr] = u
		}
	}
	next := &Table{hosts: make(map[string]*entry, len(t.hosts)), apps: make(map[string]*entry, len(t.apps))}
	for id, e := range t.apps {
		ne := &entry{route: e.route, ups: make([]*Upstream, len(e.ups))}
		for i, u := range e.ups {
			if prev, ok := live[u.Addr]; ok && prev.Dyno == u.Dyno {
				u = prev
				delete(live, u.Addr)
			} else {
				u = newUpstream(u.Backend)
			}
			ne.ups[i] = u
		}
		next.apps[id] = ne
	}
	for h, e := range t.hosts {
		next.hosts[h] = next.apps[e.route.AppID]
	}
	r.table.Store(next)
	r.retireLocked(live)
}

// retireLocked retires backends that left the table and forgets drained ones.
func (r *Router) retireLocked(gone map[string]*Upstream) {
	for addr, u := range r.retired {
		if u.drained() {
			delete(r.retired, addr)
		}
	}
	for addr, u := range gone {
		u.retire()
		r.retired[addr] = u
		r.logger.Debug("backend left", "dyno", u.Dyno, "addr", addr)
	}
}

// newTransport returns the keep-alive transport to dynos.
func newTransport(d *net.Dialer, cfg Config) *http.Transport {
	return &http.Transport{
		DialContext:           dialRecorder(d),
		MaxIdleConns:          0,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerBackend,
		IdleConnTimeout:       fastpath.IdleConnTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		WriteBufferSize:       32 << 10,
		ReadBufferSize:        32 << 10,
	}
}
