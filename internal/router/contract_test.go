package router_test

import (
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// TestContract holds the two paths to one contract: it runs contractTests against the
// Frontend with its fast path (FastPath), with Config.DisableFastPath (NetHTTP: every
// request through Router.ServeHTTP, as HTTPS requests always go), and with the fast path's
// event loops (EventLoop: Config.EventLoop), so all keep the same headers, framing, error
// codes, timeouts and log lines.
func TestContract(t *testing.T) {
	for _, mode := range []string{"FastPath", "NetHTTP", "EventLoop"} {
		t.Run(mode, func(t *testing.T) {
			for _, name := range slices.Sorted(maps.Keys(contractTests)) {
				t.Run(name, contractTests[name])
			}
		})
	}
}

// contractTests are the proxy contract tests, by subtest name. Run alone, each tests the
// fast path; package fastpath's doc lists them.
var contractTests = map[string]func(*testing.T){
	"ForwardedHeaders":     TestProxy_ForwardedHeaders,
	"RequestID":            TestProxy_RequestID,
	"HopByHop":             TestProxy_HopByHop,
	"WebSocketUpgrade":     TestProxy_WebSocketUpgrade,
	"StreamingFlush":       TestProxy_StreamingFlush,
	"Framing":              TestProxy_Framing,
	"RouterLineAndMetrics": TestProxy_RouterLineAndMetrics,
	"Route":                TestErrors_Route,
	"UnknownHost":          TestErrors_UnknownHost,
	"H13":                  TestErrors_H13ClosedWithoutResponse,
	"H12":                  TestErrors_H12Timeout,
	"H15":                  TestErrors_H15Idle,
	"H21":                  TestErrors_H21AllRefused,
	"BodyTooLarge":         TestErrors_BodyTooLarge,
	"H27":                  TestErrors_H27ClientGone,
	"EvenOverThree":        TestBalance_EvenOverThree,
	"RetryOnClosedPort":    TestBalance_RetryOnClosedPort,
	"HeadTimeout":          TestFrontend_HeadTimeout,
	"SameRequests":         TestFrontend_SameRequestsAsNetHTTP,
	"Pipelined":            TestFrontend_Pipelined,
	"HeaderSizes":          TestFrontend_HeaderSizes,
	"EarlyHints":           TestProxy_EarlyHintsPassedOn,
	"Date":                 TestProxy_DateAddedWhenMissing,
}

// TestFrontend_DisableFastPath: with Config.DisableFastPath a plain GET to a known app is
// served by the Frontend's net/http server, which the fast path serves otherwise, and
// Shutdown and Close still end the Frontend.
func TestFrontend_DisableFastPath(t *testing.T) {
	for _, disable := range []bool{false, true} {
		r := router.New(router.Config{DisableFastPath: disable})
		tbl, err := router.NewTable([]router.Route{route(MustBackend(t, hello))})
		if err != nil {
			t.Fatal(err)
		}
		r.SetTable(tbl)
		f := r.NewFrontend("")
		var slow atomic.Int32
		proxy := f.Slow.Handler
		f.Slow.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			slow.Add(1)
			proxy.ServeHTTP(w, req)
		})
		ln, err := router.Listen(t.Context(), "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- f.Serve(ln) }()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+ln.Addr().String()+"/", nil)
		req.Host = "myapp.example.com"
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "hello, world\n" {
			t.Errorf("DisableFastPath=%v: body %q", disable, body)
		}
		if got, want := slow.Load(), map[bool]int32{false: 0, true: 1}[disable]; got != want {
			t.Errorf("DisableFastPath=%v: the net/http server served %d requests, want %d", disable, got, want)
		}
		if err := f.Shutdown(t.Context()); err != nil {
			t.Errorf("DisableFastPath=%v: Shutdown: %v", disable, err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("DisableFastPath=%v: Serve returned %v, want http.ErrServerClosed", disable, err)
		}
		r.Close()
	}
}
