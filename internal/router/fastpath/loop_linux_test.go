package fastpath

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The event loops' own tests: that they serve the requests they are for, that what they
// hand over goes on, and that Shutdown and Close end what they own. TestContract/EventLoop
// (internal/router) holds them to the router's contract.

// oneRoute is a Routes with one app on every host, served by the dynos at addrs.
type oneRoute struct {
	backends []*testBackend
	next     atomic.Uint32
	reported atomic.Int64
	codes    sync.Map // H-code → count
}

type testBackend struct {
	addr  string
	conns Pool
	busy  atomic.Int32
}

func (b *testBackend) Target() (string, string) { return "web.1", b.addr }
func (b *testBackend) Conns() *Pool             { return &b.conns }
func (b *testBackend) Release()                 { b.busy.Add(-1) }

var theRoute = new(int)

func (r *oneRoute) Lookup([]byte) Route { return theRoute }
func (r *oneRoute) Pick(_ Route, tried []Backend) Backend {
	for range r.backends {
		b := r.backends[int(r.next.Add(1))%len(r.backends)]
		skip := false
		for _, t := range tried {
			skip = skip || t == Backend(b)
		}
		if !skip {
			b.busy.Add(1)
			return b
		}
	}
	return nil
}
func (r *oneRoute) Unreachable(Route, error) string { return "H21" }
func (r *oneRoute) Page(code string) (int, []byte) {
	return http.StatusServiceUnavailable, []byte(code + "\n")
}
func (r *oneRoute) Report(_ Route, x *Exchange) {
	r.reported.Add(1)
	if x.Code != "" {
		n, _ := r.codes.LoadOrStore(x.Code, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
	}
}

// startLoopServer serves routes with event loops on a new listener.
func startLoopServer(t *testing.T, routes Routes) (*Server, string) {
	t.Helper()
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "slow path")
	})}
	s := New(Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), Routes: routes, EventLoop: true, ResponseTimeout: 5 * time.Second, IdleTimeout: 3 * time.Second}, slow)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { s.Close() })
	return s, ln.Addr().String()
}

// loopServed counts the requests the event loops answered themselves.
func loopServedNow() int64 { return loopServed.Load() }

// TestEventLoop_ServesKeepAlive: requests on keep-alive connections, after the first ones
// (which dial), are answered by the loops, with the dyno's body and the router's headers,
// from many connections at once; each request is reported once.
func TestEventLoop_ServesKeepAlive(t *testing.T) {
	var seen sync.Map
	dyno := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get("X-Request-Id"), true)
		if r.Header.Get("Via") == "" || r.Header.Get("X-Forwarded-For") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	}))
	defer dyno.Close()
	routes := &oneRoute{backends: []*testBackend{{addr: dyno.Listener.Addr().String()}}}
	_, addr := startLoopServer(t, routes)

	before := loopServedNow()
	const clients, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := range clients {
		wg.Go(func() {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			br := bufio.NewReader(conn)
			for j := range each {
				path := fmt.Sprintf("/c%d/r%d", i, j)
				fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: app.example.com\r\n\r\n", path)
				res, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", path, err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(body) != "hello "+path || res.Header.Get("X-Request-Id") == "" {
					errs <- fmt.Errorf("%s: %d %q %v", path, res.StatusCode, body, res.Header)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// A request is reported, and counted, right after its response was written.
	for deadline := time.Now().Add(5 * time.Second); routes.reported.Load() < clients*each && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if got := loopServedNow() - before; got < clients*(each-2) {
		t.Errorf("the event loops answered %d of %d requests, want all but the first ones", got, clients*each)
	}
	if got := routes.reported.Load(); got != clients*each {
		t.Errorf("%d requests reported, want %d", got, clients*each)
	}
	if b := routes.backends[0]; b.busy.Load() != 0 {
		t.Errorf("%d requests still counted against the dyno", b.busy.Load())
	}
}

// TestEventLoop_HandsOver: what a loop does not serve itself goes on on a goroutine and
// still works on the same connection: a chunked response, a body larger than the loop's
// buffer, a slow dyno, a request for the slow path, and then plain requests again.
func TestEventLoop_HandsOver(t *testing.T) {
	big := strings.Repeat("x", 100<<10)
	dyno := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte("a"))
			w.(http.Flusher).Flush()
			w.Write([]byte("b"))
		case "/big":
			w.Header().Set("Content-Length", fmt.Sprint(len(big)))
			io.WriteString(w, big)
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/slow":
			time.Sleep(1200 * time.Millisecond) // past clientWatchDelay
			io.WriteString(w, "slow")
		default:
			io.WriteString(w, "plain")
		}
	}))
	defer dyno.Close()
	routes := &oneRoute{backends: []*testBackend{{addr: dyno.Listener.Addr().String()}}}
	_, addr := startLoopServer(t, routes)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	get := func(path, want string) {
		t.Helper()
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: app.example.com\r\n\r\n", path)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != want {
			t.Fatalf("%s: %d, body %.40q (%d bytes), want %.40q", path, res.StatusCode, body, len(body), want)
		}
	}
	for _, p := range []struct{ path, want string }{
		{"/", "plain"}, {"/", "plain"}, {"/chunked", "ab"}, {"/", "plain"}, {"/big", big}, {"/empty", ""},
		{"/", "plain"}, {"/slow", "slow"}, {"/", "plain"}, {"/", "plain"},
	} {
		get(p.path, p.want)
	}
	before := loopServedNow()
	get("/", "plain")
	for deadline := time.Now().Add(2 * time.Second); loopServedNow() == before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // counted right after the response was written
	}
	if loopServedNow() == before {
		t.Error("after the hand-overs, the connection's plain requests are no longer the loop's")
	}
	// A request with a body is the slow path's, which keeps the connection.
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: app.example.com\r\nContent-Length: 2\r\n\r\nhi")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "slow path\n" {
		t.Errorf("POST: %q, want the slow path's answer", body)
	}
}

// TestEventLoop_DynoClosesIdle: a dyno that closes idle keep-alive connections (as Node
// does after 5 s) costs no request: the loop drops the closed connections from its pool.
func TestEventLoop_DynoClosesIdle(t *testing.T) {
	dyno := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	dyno.Config.IdleTimeout = 100 * time.Millisecond
	dyno.Start()
	defer dyno.Close()
	routes := &oneRoute{backends: []*testBackend{{addr: dyno.Listener.Addr().String()}}}
	_, addr := startLoopServer(t, routes)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for i := range 6 {
		req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
		req.Host = "app.example.com"
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("request %d: %d %q", i, res.StatusCode, body)
		}
		if i%2 == 1 {
			time.Sleep(250 * time.Millisecond) // the dyno closes the idle connection meanwhile
		}
	}
	if n, ok := routes.codes.Load(codeH13); ok {
		t.Errorf("%d requests failed with H13", n.(*atomic.Int64).Load())
	}
}

// TestEventLoop_ShutdownAndClose: Shutdown closes the idle connections a loop owns and
// returns; Close ends a request waiting in a loop at once.
func TestEventLoop_ShutdownAndClose(t *testing.T) {
	release := make(chan struct{})
	dyno := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hang" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		io.WriteString(w, "ok")
	}))
	defer dyno.Close()
	defer close(release)
	routes := &oneRoute{backends: []*testBackend{{addr: dyno.Listener.Addr().String()}}}

	s, addr := startLoopServer(t, routes)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for range 3 {
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection after Shutdown: read %v, want end of file", err)
	}

	s2, addr2 := startLoopServer(t, routes)
	conn2, err := net.Dial("tcp", addr2)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close()
	br2 := bufio.NewReader(conn2)
	fmt.Fprintf(conn2, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if res, err := http.ReadResponse(br2, nil); err != nil {
		t.Fatal(err)
	} else {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	fmt.Fprintf(conn2, "GET /hang HTTP/1.1\r\nHost: a\r\n\r\n")
	time.Sleep(100 * time.Millisecond) // sent and waiting in the loop
	closed := make(chan error, 1)
	go func() { closed <- s2.Close() }()
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
	conn2.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := br2.ReadByte(); err != io.EOF {
		t.Errorf("connection waiting for a dyno after Close: read %v, want end of file", err)
	}
}

// http10Dyno answers each request the way Python's http.server does: an HTTP/1.0 response
// whose head and body are written separately, then the connection closes. The body names
// the request's path, so a response relayed to the wrong request shows.
func http10Dyno(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				body := "hello " + req.URL.Path
				fmt.Fprintf(conn, "HTTP/1.0 200 OK\r\nServer: BaseHTTP/0.6\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n", len(body))
				time.Sleep(time.Millisecond)
				io.WriteString(conn, body)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestEventLoop_HTTP10Dyno: clients with and without keep-alive, against dynos that close
// every connection after an HTTP/1.0 response, each get their own response to every
// request, and nothing else.
func TestEventLoop_HTTP10Dyno(t *testing.T) {
	routes := &oneRoute{backends: []*testBackend{{addr: http10Dyno(t)}, {addr: http10Dyno(t)}}}
	_, addr := startLoopServer(t, routes)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 6 {
		keepAlive := i%2 == 0
		wg.Go(func() {
			tr := &http.Transport{DisableKeepAlives: !keepAlive}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
			for j := range 150 {
				path := fmt.Sprintf("/c%d/r%d", i, j)
				req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
				req.Host = "app.example.com"
				res, err := client.Do(req)
				if err != nil {
					errs <- fmt.Errorf("%s (keep-alive %v): %w", path, keepAlive, err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || string(body) != "hello "+path {
					errs <- fmt.Errorf("%s (keep-alive %v): %d %q", path, keepAlive, res.StatusCode, body)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEventLoop_ThreadPriority: each loop runs on a thread of its own at loopNice, and that
// thread is back at the process's priority (or gone) once the loop ended, so it does not
// run other goroutines at the loops' weight.
func TestEventLoop_ThreadPriority(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("run the tests as root: only root raises a thread's priority")
		}
		t.Skip("run as root to test the loops' thread priority")
	}
	dyno := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer dyno.Close()
	s, addr := startLoopServer(t, &oneRoute{backends: []*testBackend{{addr: dyno.Listener.Addr().String()}}})
	res, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var tids []int32
	for _, l := range s.loops.Load().ls {
		for deadline := time.Now().Add(5 * time.Second); l.tid.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		tids = append(tids, l.tid.Load())
	}
	for _, tid := range tids {
		if nice, ok := threadNice(t, tid); !ok || nice != loopNice {
			t.Errorf("loop thread %d: nice %d (alive %v), want %d", tid, nice, ok, loopNice)
		}
	}
	s.Close()
	for _, tid := range tids {
		if nice, ok := threadNice(t, tid); ok && nice == loopNice {
			t.Errorf("loop thread %d is still at nice %d after Close", tid, nice)
		}
	}
}

// threadNice returns the nice value of the process's thread tid, and false once it ended.
func threadNice(t *testing.T, tid int32) (int, bool) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return 0, false
	}
	// pid (comm) state ppid ...: nice is the 19th field, the 17th after the comm.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	nice, err := strconv.Atoi(f[16])
	if err != nil {
		t.Fatalf("thread %d: %q", tid, b)
	}
	return nice, true
}
