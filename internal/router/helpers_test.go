package router_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// sink collects router log lines and metrics observations.
type sink struct {
	discard bool // drop lines (benchmarks)
	lines   chan string
	mu      sync.Mutex
	entries []router.Entry
}

func newSink() *sink { return &sink{lines: make(chan string, 10000)} }

func (s *sink) RouterLine(appID, line string) {
	if !s.discard {
		s.lines <- appID + " " + line
	}
}

func (s *sink) Observe(e *router.Entry) {
	if s.discard {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, *e)
}

// next waits for the next router line.
func (s *sink) next(tb testing.TB) string {
	tb.Helper()
	select {
	case l := <-s.lines:
		return l
	case <-tb.Context().Done():
		tb.Fatal("no router line")
		return ""
	}
}

// env is a router behind a real HTTP server on loopback.
type env struct {
	router *router.Router
	front  *frontServer
	sink   *sink
}

// frontServer is the server in front of a test's router.
type frontServer struct {
	URL      string
	Listener net.Listener
	client   *http.Client
}

// Client returns a client for the front server.
func (f *frontServer) Client() *http.Client { return f.client }

// netHTTP reports whether tb runs in TestContract's NetHTTP mode, where the Frontend runs
// with Config.DisableFastPath.
func netHTTP(tb testing.TB) bool { return strings.Contains(tb.Name(), "/NetHTTP/") }

// eventLoop reports whether tb runs in TestContract's EventLoop mode, where the fast path
// serves keep-alive connections from its event loops (Config.EventLoop).
func eventLoop(tb testing.TB) bool { return strings.Contains(tb.Name(), "/EventLoop/") }

// MustRouter starts a router with cfg (Sink and Metrics are set to a collector) serving
// routes, and its Frontend on loopback in front of it (without its fast path in
// TestContract's NetHTTP mode).
func MustRouter(tb testing.TB, cfg router.Config, routes ...router.Route) *env {
	tb.Helper()
	s := newSink()
	cfg.Sink, cfg.Metrics = s, s
	cfg.DisableFastPath = cfg.DisableFastPath || netHTTP(tb)
	cfg.EventLoop = cfg.EventLoop || eventLoop(tb)
	r := router.New(cfg)
	tbl, err := router.NewTable(routes)
	if err != nil {
		tb.Fatal(err)
	}
	r.SetTable(tbl)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	f := r.NewFrontend(ln.Addr().String())
	go f.Serve(ln)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	tb.Cleanup(func() { client.CloseIdleConnections(); f.Close(); r.Close() })
	return &env{router: r, front: &frontServer{URL: "http://" + ln.Addr().String(), Listener: ln, client: client}, sink: s}
}

// MustBackend starts an httptest backend running h and returns its address.
func MustBackend(tb testing.TB, h http.HandlerFunc) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// MustClosedAddr returns a loopback address nothing listens on.
func MustClosedAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// get sends a GET for host and path to the front server.
func (e *env) get(tb testing.TB, host, path string, hdr http.Header) *http.Response {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), "GET", e.front.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Host = host
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := e.front.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// route is a route for app "a1"/"myapp" at myapp.example.com over the given backends.
func route(addrs ...string) router.Route {
	rt := router.Route{AppID: "a1", AppName: "myapp", Hosts: []string{"myapp.example.com"}}
	for i, a := range addrs {
		rt.Backends = append(rt.Backends, router.Backend{Dyno: "web." + string(rune('1'+i)), Addr: a})
	}
	return rt
}
