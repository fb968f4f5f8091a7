package router_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// rawConn is a client connection that speaks bytes, for what http.Client will not send.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

// dialRaw connects to the front server.
func (e *env) dialRaw(tb testing.TB) *rawConn {
	tb.Helper()
	c, err := net.Dial("tcp", e.front.Listener.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{Conn: c, br: bufio.NewReader(c)}
}

// send writes raw bytes.
func (c *rawConn) send(tb testing.TB, raw string) {
	tb.Helper()
	if _, err := io.WriteString(c, raw); err != nil {
		tb.Fatal(err)
	}
}

// read reads one response to a request with method and returns its status and body.
func (c *rawConn) read(tb testing.TB, method string) (*http.Response, string) {
	tb.Helper()
	res, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return res, string(body)
}

// echoRequest answers with the method, target and body it got.
func echoRequest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	io.WriteString(w, r.Method+" "+r.RequestURI+" "+string(body))
}

func TestFrontend_FastSlowFastOnOneConnection(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoRequest)))
	c := e.dialRaw(t)
	steps := []struct{ method, raw, want string }{
		{"GET", "GET /one HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n", "GET /one "},
		// A body sends the connection to the slow path, which keeps it from then on.
		{"POST", "POST /two HTTP/1.1\r\nHost: myapp.example.com\r\nContent-Length: 4\r\n\r\nbody", "POST /two body"},
		{"GET", "GET /three HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n", "GET /three "},
	}
	for _, s := range steps {
		c.send(t, s.raw)
		res, body := c.read(t, s.method)
		if res.StatusCode != 200 || body != s.want {
			t.Errorf("%s: %d %q, want 200 %q", strings.Fields(s.raw)[1], res.StatusCode, body, s.want)
		}
	}
}

func TestFrontend_Pipelined(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoRequest)))
	c := e.dialRaw(t)
	c.send(t, "GET /a HTTP/1.1\r\nHost: myapp.example.com\r\n\r\nHEAD /b HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n"+
		"GET /c HTTP/1.1\r\nHost: myapp.example.com\r\nConnection: close\r\n\r\n")
	for _, want := range []struct{ method, body string }{{"GET", "GET /a "}, {"HEAD", ""}, {"GET", "GET /c "}} {
		if res, body := c.read(t, want.method); res.StatusCode != 200 || body != want.body {
			t.Errorf("%d %q, want 200 %q", res.StatusCode, body, want.body)
		}
	}
	if n, err := c.br.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("connection still open after Connection: close (read %d, %v)", n, err)
	}
}

func TestFrontend_HeaderSizes(t *testing.T) {
	e := MustRouter(t, router.Config{MaxHeaderBytes: 128 << 10}, route(MustBackend(t, echoHeaders)))
	for _, tc := range []struct {
		size   int
		status int
	}{{10 << 10, 200}, {100 << 10, 200}, {200 << 10, 431}} {
		res := e.get(t, "myapp.example.com", "/", http.Header{"Cookie": {strings.Repeat("c", tc.size)}})
		if res.StatusCode == 200 {
			if got := len(seen(t, res).Get("Cookie")); got != tc.size {
				t.Errorf("%d-byte cookie arrived with %d bytes", tc.size, got)
			}
		} else {
			res.Body.Close()
		}
		if res.StatusCode != tc.status {
			t.Errorf("%d-byte cookie: status=%d, want %d", tc.size, res.StatusCode, tc.status)
		}
	}
}

func TestFrontend_ResponseShapes(t *testing.T) {
	tests := []struct {
		name, raw string
		status    int
		body      string
		trailer   string
	}{
		{"ChunkedWithTrailer", "HTTP/1.1 200 OK\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n", 200, "abcde", "5"},
		{"BareLineFeeds", "HTTP/1.0 200 OK\nContent-Length: 2\n\nok", 200, "ok", ""},
		{"NoReason", "HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 404, "", ""},
		{"Garbage", "SPDY/3 OK\r\n\r\n", 503, "", ""},
		{"BadLength", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", 503, "", ""},
		{"UpgradeNotAsked", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 503, "", ""},
		{"BadChunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := MustRouter(t, router.Config{}, route(rawBackend(t, tc.raw, true)))
			res := e.get(t, "myapp.example.com", "/", nil)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status=%d, want %d", res.StatusCode, tc.status)
			}
			if tc.status == 503 {
				if !strings.Contains(string(body), "Application error") {
					t.Errorf("body=%q, want the H13 page", body)
				}
				return
			}
			if tc.name == "BadChunk" {
				if err == nil {
					t.Errorf("a broken chunked body reached the client complete: %q", body)
				}
				return
			}
			if err != nil || string(body) != tc.body {
				t.Errorf("body=%q err=%v, want %q", body, err, tc.body)
			}
			if got := res.Trailer.Get("X-Sum"); got != tc.trailer {
				t.Errorf("trailer X-Sum=%q, want %q", got, tc.trailer)
			}
		})
	}
}

// dynoLog is a backend that records each whole request it gets as "METHOD TARGET BODY"; a
// request whose body is cut off is not one.
type dynoLog struct {
	mu   sync.Mutex
	seen []string
}

func (d *dynoLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	d.mu.Lock()
	d.seen = append(d.seen, r.Method+" "+r.RequestURI+" "+string(body))
	d.mu.Unlock()
}

// take returns what the dyno saw and forgets it.
func (d *dynoLog) take() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := d.seen
	d.seen = nil
	return seen
}

// netHTTPReads returns the requests http.ReadRequest reads from raw, in dynoLog's form,
// skipping empty lines between requests as net/http's server does.
func netHTTPReads(raw string) []string {
	var reqs []string
	br := bufio.NewReader(strings.NewReader(raw))
	for {
		for c, err := br.ReadByte(); err == nil; c, err = br.ReadByte() {
			if c != '\r' && c != '\n' {
				br.UnreadByte()
				break
			}
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			return reqs
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return reqs
		}
		reqs = append(reqs, req.Method+" "+req.URL.RequestURI()+" "+string(body))
	}
}

// sameRequests sends raw, ended by a request with Connection: close, on a new connection and
// checks that the dyno saw only requests net/http reads from the same bytes, in their
// order. The router may leave some out (unknown hosts, bad Host values) and stop early, as
// net/http's server does when it distrusts a connection.
//
// Each call routes the app to a new dyno, so a request still on its way from an earlier call
// cannot be counted.
func sameRequests(t *testing.T, e *env, raw string) {
	t.Helper()
	dyno := &dynoLog{}
	srv := httptest.NewServer(dyno)
	defer func() { go srv.Close() }()
	tbl, err := router.NewTable([]router.Route{route(srv.Listener.Addr().String())})
	if err != nil {
		t.Fatal(err)
	}
	e.router.SetTable(tbl)
	raw += "GET /end HTTP/1.1\r\nHost: myapp.example.com\r\nConnection: close\r\n\r\n"
	want := netHTTPReads(raw)
	c := e.dialRaw(t)
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.send(t, raw)
	io.Copy(io.Discard, c.br) //nolint:errcheck // until the router closes
	got := dyno.take()
	if !subsequence(got, want) {
		t.Errorf("%q:\n dyno saw %q\n net/http reads %q", raw, got, want)
	}
}

// subsequence reports whether sub is s with some elements left out.
func subsequence(sub, s []string) bool {
	for _, x := range sub {
		i := slices.Index(s, x)
		if i < 0 {
			return false
		}
		s = s[i+1:]
	}
	return true
}

// requestStreams are ambiguous and malformed request streams.
var requestStreams = func() []string {
	const h = "Host: myapp.example.com\r\n"
	return []string{
		"POST /a HTTP/1.1\r\n" + h + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /b HTTP/1.1\r\n" + h + "\r\n",
		"GET /a HTTP/1.1\r\n" + h + "Content-Length: 0\r\nContent-Length: 44\r\n\r\nGET /b HTTP/1.1\r\n" + h + "\r\n",
		"GET /a HTTP/1.1\r\n" + h + "Content-Length: 0\r\n\r\nGET /b HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"GET /a HTTP/1.1\r\n" + h + " X-Folded: 1\r\n\r\n",
		"GET /a HTTP/1.1\n" + "Host: myapp.example.com\n\nGET /b HTTP/1.1\r\n" + h + "\r\n",
		"GET /a HTTP/1.1\r\n" + h + "Host: other.example.com\r\n\r\n",
		"GET /a HTTP/1.0\r\n" + h + "Connection: keep-alive\r\n\r\nGET /b HTTP/1.1\r\n" + h + "\r\n",
		"GET /a HTTP/1.1\r\n" + h + "Connection: upgrade\r\nUpgrade: h2c\r\n\r\n",
		"GET http://myapp.example.com/abs HTTP/1.1\r\n" + h + "\r\n",
	}
}()

// TestFrontend_SameRequestsAsNetHTTP: the router and a dyno never disagree on where a
// request ends (see sameRequests).
func TestFrontend_SameRequestsAsNetHTTP(t *testing.T) {
	e := MustRouter(t, router.Config{})
	for _, raw := range requestStreams {
		sameRequests(t, e, raw)
	}
}

// FuzzFrontend sends arbitrary bytes to a live Frontend in front of a live dyno: the router
// must not fail, and the dyno must only ever see what net/http reads from the same bytes.
func FuzzFrontend(f *testing.F) {
	for _, raw := range requestStreams {
		f.Add(raw)
	}
	f.Add("GET / HTTP/1.1\r\nHost: MYAPP.example.com.:8080\r\nConnection: keep-alive\r\n\r\n")
	e := MustRouter(f, router.Config{IdleTimeout: time.Second, ResponseTimeout: time.Second})
	f.Fuzz(func(t *testing.T, raw string) {
		sameRequests(t, e, raw)
	})
}

// FuzzFrontendEventLoop is FuzzFrontend with the fast path's event loops
// (Config.EventLoop), which read the same bytes in their own way.
func FuzzFrontendEventLoop(f *testing.F) {
	for _, raw := range requestStreams {
		f.Add(raw)
	}
	e := MustRouter(f, router.Config{IdleTimeout: time.Second, ResponseTimeout: time.Second, EventLoop: true})
	f.Fuzz(func(t *testing.T, raw string) {
		sameRequests(t, e, raw)
	})
}

func TestFrontend_DivertAndChallenges(t *testing.T) {
	r := router.New(router.Config{})
	tbl, err := router.NewTable([]router.Route{route(MustBackend(t, echoRequest))})
	if err != nil {
		t.Fatal(err)
	}
	r.SetTable(tbl)
	f := r.NewFrontend("")
	proxy := f.Slow.Handler
	f.Slow.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("X-Path", "slow")
		if strings.HasPrefix(req.URL.Path, "/.well-known/acme-challenge/") {
			io.WriteString(w, "challenge")
			return
		}
		proxy.ServeHTTP(w, req)
	})
	var divert atomic.Bool
	var asked atomic.Value
	f.Divert = func(host []byte) bool {
		asked.Store(string(host))
		return divert.Load()
	}
	ln, err := router.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go f.Serve(ln)
	t.Cleanup(func() { f.Close(); r.Close() })
	get := func(path string) (string, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+path, nil)
		req.Host = "MyApp.example.com.:99"
		// A new connection each time: one that went to the slow path stays there.
		req.Close = true
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.Header.Get("X-Path"), string(b)
	}
	if path, body := get("/.well-known/acme-challenge/token"); path != "slow" || body != "challenge" {
		t.Errorf("challenge: path=%q body=%q, want the slow path's answer", path, body)
	}
	if path, body := get("/x"); path != "" || body != "GET /x " {
		t.Errorf("not diverted: path=%q body=%q, want the fast path", path, body)
	}
	if got, _ := asked.Load().(string); got != "myapp.example.com" {
		t.Errorf("Divert asked with %q, want the normalized host", got)
	}
	divert.Store(true)
	if path, body := get("/y"); path != "slow" || body != "GET /y " {
		t.Errorf("diverted: path=%q body=%q, want the slow path, proxied", path, body)
	}
}

func TestFrontend_ShutdownWaitsForRequests(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "done")
	})
	r := router.New(router.Config{})
	tbl, _ := router.NewTable([]router.Route{route(backend)})
	r.SetTable(tbl)
	f := r.NewFrontend("")
	ln, err := router.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- f.Serve(ln) }()
	t.Cleanup(func() { f.Close(); r.Close() })
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
		req.Host = "myapp.example.com"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-arrived
	shut := make(chan error, 1)
	go func() { shut <- f.Shutdown(context.Background()) }()
	idle.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("idle connection not closed by Shutdown: n=%d err=%v", n, err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if b := <-got; b != "done" {
		t.Errorf("in-flight request got %q, want done", b)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
}

func TestFrontend_HeadTimeout(t *testing.T) {
	e := MustRouter(t, router.Config{ResponseTimeout: 100 * time.Millisecond, IdleTimeout: 10 * time.Second},
		route(MustBackend(t, hello)))
	c := e.dialRaw(t)
	c.send(t, "GET / HTTP/1.1\r\n")
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, c.br) //nolint:errcheck // until the router closes
		close(closed)
	}()
	// One byte every 100 ms: each read is recent, but the head as a whole is late.
	for range 40 {
		select {
		case <-closed:
			return
		case <-time.After(100 * time.Millisecond):
		}
		io.WriteString(c, "X") //nolint:errcheck // fails once the router has closed
	}
	t.Fatal("a request head trickled in for 4 s was still being read")
}

// TestFrontend_DynoClosedIdleConnection: a dyno that closes idle keep-alive connections (as
// Node does after 5 s) must not make the next request fail, even one that cannot be retried.
func TestFrontend_DynoClosedIdleConnection(t *testing.T) {
	backend := httptest.NewUnstartedServer(http.HandlerFunc(echoRequest))
	backend.Config.IdleTimeout = 50 * time.Millisecond
	backend.Start()
	t.Cleanup(backend.Close)
	e := MustRouter(t, router.Config{}, route(backend.Listener.Addr().String()))
	c := e.dialRaw(t)
	for i := range 2 {
		if i > 0 {
			time.Sleep(1200 * time.Millisecond) // the dyno has closed the pooled connection
		}
		c.send(t, "DELETE /thing HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n")
		if res, body := c.read(t, "DELETE"); res.StatusCode != 200 || body != "DELETE /thing " {
			t.Errorf("request %d: %d %q, want 200 from the dyno", i+1, res.StatusCode, body)
		}
	}
}

// TestFrontend_PipelinedBehindSlowResponse: the bytes a client sends while the router waits
// on a slow dyno (and watches the client for a hang-up) are the next request, kept intact.
func TestFrontend_PipelinedBehindSlowResponse(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(1500 * time.Millisecond)
		}
		echoRequest(w, r)
	})))
	c := e.dialRaw(t)
	c.send(t, "GET /slow HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n")
	time.Sleep(1200 * time.Millisecond) // the router is now watching the client
	c.send(t, "GET /next?"+strings.Repeat("q", 3000)+" HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n")
	for _, want := range []string{"GET /slow ", "GET /next?" + strings.Repeat("q", 3000) + " "} {
		if res, body := c.read(t, "GET"); res.StatusCode != 200 || body != want {
			t.Errorf("%d %.40q, want 200 %.40q", res.StatusCode, body, want)
		}
	}
}

func TestProxy_EarlyHintsPassedOn(t *testing.T) {
	raw := "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	e := MustRouter(t, router.Config{}, route(rawBackend(t, raw, true)))
	var links []string
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			links = append(links, strconv.Itoa(code)+" "+h.Get("Link"))
			return nil
		},
	})
	req, _ := http.NewRequestWithContext(ctx, "GET", e.front.URL+"/", nil)
	req.Host = "myapp.example.com"
	res, err := e.front.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "ok" {
		t.Errorf("final response %d %q, want 200 ok", res.StatusCode, body)
	}
	if want := "103 </a.css>; rel=preload"; len(links) != 1 || links[0] != want {
		t.Errorf("1xx responses seen %q, want [%q]", links, want)
	}
}

func TestProxy_DateAddedWhenMissing(t *testing.T) {
	for name, tc := range map[string]struct{ raw, want string }{
		"Missing": {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", ""},
		"Kept":    {"HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 2\r\n\r\nok", "Sun, 06 Nov 1994 08:49:37 GMT"},
	} {
		t.Run(name, func(t *testing.T) {
			e := MustRouter(t, router.Config{}, route(rawBackend(t, tc.raw, true)))
			res := e.get(t, "myapp.example.com", "/", nil)
			res.Body.Close()
			dates := res.Header.Values("Date")
			if len(dates) != 1 {
				t.Fatalf("Date fields %q, want one", dates)
			}
			d, err := http.ParseTime(dates[0])
			switch {
			case tc.want != "" && dates[0] != tc.want:
				t.Errorf("Date=%q, want the dyno's %q", dates[0], tc.want)
			case tc.want == "" && (err != nil || time.Since(d).Abs() > time.Minute):
				t.Errorf("Date=%q (%v), want now", dates[0], err)
			}
		})
	}
}

// A client that connected just before Shutdown and sends its request right after is
// served, not cut off as an idle connection; the connection closes after the response.
func TestFrontend_ShutdownServesJustConnected(t *testing.T) {
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "served") })
	r := router.New(router.Config{})
	tbl, _ := router.NewTable([]router.Route{route(backend)})
	r.SetTable(tbl)
	f := r.NewFrontend("")
	ln, err := router.Listen(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go f.Serve(ln)
	t.Cleanup(func() { f.Close(); r.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(50 * time.Millisecond) // accepted, no request yet
	shut := make(chan error, 1)
	go func() { shut <- f.Shutdown(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: "GET"})
	if err != nil {
		t.Fatalf("request sent just after Shutdown began: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(body) != "served" {
		t.Errorf("got %d %q, want 200 served", res.StatusCode, body)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestFrontend_DynoClosedRightAfterAnswer: a dyno that closes its connection right after an
// answer that allows keep-alive leaves a pooled connection that is already closed when the
// next request comes (well within the pool's stale check); a GET on it is sent again on a
// new connection, at once.
func TestFrontend_DynoClosedRightAfterAnswer(t *testing.T) {
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
				br := bufio.NewReader(conn)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") //nolint:errcheck // the test reads it
			}()
		}
	}()
	e := MustRouter(t, router.Config{}, route(ln.Addr().String()))
	c := e.dialRaw(t)
	for i := range 20 {
		start := time.Now()
		c.send(t, "GET /n HTTP/1.1\r\nHost: myapp.example.com\r\n\r\n")
		if res, body := c.read(t, "GET"); res.StatusCode != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q, want 200 from the dyno", i+1, res.StatusCode, body)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("request %d took %v", i+1, d)
		}
		time.Sleep(5 * time.Millisecond) // the dyno's end of file arrives while the connection is pooled
	}
}
