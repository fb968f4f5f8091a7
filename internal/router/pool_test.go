package router_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// rawBackend answers every request on a hijacked connection with raw, then closes the
// connection if closeAfter, without saying so in the response.
func rawBackend(t *testing.T, raw string, closeAfter bool) string {
	return MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		brw.WriteString(raw)
		brw.Flush()
		if closeAfter {
			conn.Close()
		}
	})
}

func TestProxy_Framing(t *testing.T) {
	tests := []struct {
		name    string
		backend func(t *testing.T) string
		method  string
		body    string
		want    string
	}{
		{"ContentLength", func(t *testing.T) string { return MustBackend(t, hello) }, "GET", "", "hello, world\n"},
		{"Chunked", func(t *testing.T) string {
			return MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "a")
				http.NewResponseController(w).Flush()
				io.WriteString(w, "b")
			})
		}, "GET", "", "ab"},
		{"Head", func(t *testing.T) string { return MustBackend(t, hello) }, "HEAD", "", ""},
		{"NoContent", func(t *testing.T) string {
			return MustBackend(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
		}, "GET", "", ""},
		{"UntilClose", func(t *testing.T) string {
			return rawBackend(t, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", true)
		}, "GET", "", "to the end"},
		{"StaleKeepAlive", func(t *testing.T) string {
			return rawBackend(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)
		}, "GET", "", "ok"},
		{"EarlyHints", func(t *testing.T) string {
			return rawBackend(t, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true)
		}, "GET", "", "ok"},
		{"PostBody", func(t *testing.T) string {
			return MustBackend(t, func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
		}, "POST", "payload", "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := MustRouter(t, router.Config{}, route(tt.backend(t)))
			// Twice, so the second request reuses (or must replace) the pooled connection.
			for range 2 {
				req, _ := http.NewRequestWithContext(t.Context(), tt.method, e.front.URL+"/", strings.NewReader(tt.body))
				if tt.body == "" {
					req.Body = nil
				}
				req.Host = "myapp.example.com"
				res, err := e.front.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode >= 300 || string(got) != tt.want {
					t.Fatalf("status=%d body=%q err=%v, want %q", res.StatusCode, got, err, tt.want)
				}
				if line := e.sink.next(t); strings.Contains(line, "code=") {
					t.Errorf("line=%q, want no error code", line)
				}
			}
		})
	}
}
