package router_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// wantCode checks a response's status and that the router line reports code.
func wantCode(t *testing.T, e *env, res *http.Response, status int, code router.Code) {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status {
		t.Errorf("status=%d, want %d (body %q)", res.StatusCode, status, body)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on the error response")
	}
	line := e.sink.next(t)
	want := "code=" + string(code) + " desc=\"" + code.Desc() + "\""
	if !strings.Contains(line, want) || !strings.Contains(line, "status="+itoa(status)) {
		t.Errorf("line=%q, want %s and status=%d", line, want, status)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestErrors_Route(t *testing.T) {
	ok := MustBackend(t, echoHeaders)
	tests := []struct {
		name  string
		route router.Route
		code  router.Code
	}{
		{"H14NoDynos", route(), router.H14},
		{"H10Crashed", func() router.Route { r := route(); r.Crashed = true; return r }(), router.H10},
		{"H80Maintenance", func() router.Route { r := route(ok); r.Maintenance = true; return r }(), router.H80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := MustRouter(t, router.Config{}, tt.route)
			wantCode(t, e, e.get(t, "myapp.example.com", "/", nil), 503, tt.code)
		})
	}
}

func TestErrors_UnknownHost(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoHeaders)))
	res := e.get(t, "nope.example.com", "/", nil)
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("status=%d, want 404", res.StatusCode)
	}
}

func TestErrors_H13ClosedWithoutResponse(t *testing.T) {
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	e := MustRouter(t, router.Config{}, route(backend))
	wantCode(t, e, e.get(t, "myapp.example.com", "/", nil), 503, router.H13)
}

func TestErrors_H12Timeout(t *testing.T) {
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	e := MustRouter(t, router.Config{ResponseTimeout: 20 * time.Millisecond}, route(backend))
	wantCode(t, e, e.get(t, "myapp.example.com", "/", nil), 503, router.H12)
}

func TestErrors_H15Idle(t *testing.T) {
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "start")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	e := MustRouter(t, router.Config{IdleTimeout: 20 * time.Millisecond}, route(backend))
	res := e.get(t, "myapp.example.com", "/", nil)
	io.ReadAll(res.Body)
	res.Body.Close()
	if line := e.sink.next(t); !strings.Contains(line, "code=H15") {
		t.Errorf("line=%q, want code=H15", line)
	}
}

func TestErrors_H21AllRefused(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustClosedAddr(t), MustClosedAddr(t)))
	wantCode(t, e, e.get(t, "myapp.example.com", "/", nil), 503, router.H21)
}

func TestErrors_BodyTooLarge(t *testing.T) {
	e := MustRouter(t, router.Config{MaxBodyBytes: 10}, route(MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})))
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(strings.Repeat("x", 100))
		if chunked {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.front.URL, body)
		req.Host = "myapp.example.com"
		res, err := e.front.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 413 {
			t.Errorf("chunked=%v: status=%d, want 413", chunked, res.StatusCode)
		}
		e.sink.next(t)
	}
}

func TestErrors_H27ClientGone(t *testing.T) {
	arrived := make(chan struct{})
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	})
	e := MustRouter(t, router.Config{}, route(backend))
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.front.URL, nil)
		req.Host = "myapp.example.com"
		if _, err := e.front.Client().Do(req); !errors.Is(err, context.Canceled) {
			t.Errorf("client err=%v, want canceled", err)
		}
	})
	<-arrived
	cancel()
	wg.Wait()
	if line := e.sink.next(t); !strings.HasPrefix(line, "a1 at=info code=H27") || !strings.Contains(line, "status=499") {
		t.Errorf("line=%q, want at=info code=H27 … status=499", line)
	}
}
