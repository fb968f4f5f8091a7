package router_test

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{"MyApp.Example.com.:8080", "[::1]:80", "[::1", "a:b:c", "", ".", "x/y", "*.wild.io"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		got := router.NormalizeHost(host)
		if got != strings.ToLower(got) {
			t.Errorf("NormalizeHost(%q)=%q, not lower case", host, got)
		}
		if strings.Contains(got, ":") && !strings.HasPrefix(got, "[") {
			t.Errorf("NormalizeHost(%q)=%q kept a port", host, got)
		}
		// The fast path's key for the hosts it takes is the slow path's.
		if fast, ok := fastpath.AppendNormalizedHost(nil, []byte(host)); ok && string(fast) != got {
			t.Errorf("host %q: fast path key %q, NormalizeHost %q", host, fast, got)
		}
	})
}

// FuzzServeHTTP sends arbitrary Host headers and request targets through the real proxy to
// a live backend: the router must never panic, and must answer something.
func FuzzServeHTTP(f *testing.F) {
	f.Add("myapp.example.com", "/")
	f.Add("MYAPP.example.com.:99", "/a/../b?c=%zz#frag")
	f.Add("myapp.example.com", "*")
	f.Add("myapp.example.com", "http://other.example.com/x")
	f.Add("[::1]:80", "//x")
	backend := httptest.NewServer(http.HandlerFunc(echoHeaders))
	f.Cleanup(backend.Close)
	r := router.New(router.Config{})
	tbl, err := router.NewTable([]router.Route{route(backend.Listener.Addr().String())})
	if err != nil {
		f.Fatal(err)
	}
	r.SetTable(tbl)
	f.Fuzz(func(t *testing.T, host, target string) {
		raw := "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code == 0 {
			t.Errorf("no status for host %q target %q", host, target)
		}
	})
}
