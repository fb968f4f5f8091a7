package router_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

// echoHeaders answers with the request's Host and headers as JSON.
func echoHeaders(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Clone()
	h.Set("Host", r.Host)
	json.NewEncoder(w).Encode(h)
}

// seen decodes the headers echoed by echoHeaders.
func seen(tb testing.TB, res *http.Response) http.Header {
	tb.Helper()
	defer res.Body.Close()
	var h http.Header
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		tb.Fatal(err)
	}
	return h
}

func TestProxy_ForwardedHeaders(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoHeaders)))
	res := e.get(t, "MyApp.example.com:1234", "/x?y=1", http.Header{
		"X-Forwarded-For":   {"6.6.6.6"},
		"X-Forwarded-Proto": {"https"},
		"X-Forwarded-Port":  {"443"},
		"X-Forwarded-Host":  {"evil.example.com"},
		"Forwarded":         {"for=6.6.6.6"},
		"X-Request-Start":   {"1"},
		"Via":               {"1.0 upstream"},
	})
	h := seen(t, res)
	_, port, _ := net.SplitHostPort(e.front.Listener.Addr().String())
	want := map[string]string{
		"X-Forwarded-For":   "127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Port":  port,
		"X-Forwarded-Host":  "",
		"Forwarded":         "",
		"Host":              "MyApp.example.com:1234",
	}
	for k, v := range want {
		if got := strings.Join(h.Values(k), ","); got != v {
			t.Errorf("%s=%q, want %q", k, got, v)
		}
	}
	if got := strings.Join(h.Values("Via"), ", "); got != "1.0 upstream, 1.1 bera" {
		t.Errorf("Via=%q, want %q", got, "1.0 upstream, 1.1 bera")
	}
	ms, err := strconv.ParseInt(h.Get("X-Request-Start"), 10, 64)
	if err != nil || ms < time.Now().Add(-time.Hour).UnixMilli() {
		t.Errorf("X-Request-Start=%q, want ms since the epoch", h.Get("X-Request-Start"))
	}
}

func TestProxy_RequestID(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "dyno-set-this")
		echoHeaders(w, r)
	})))
	uuidRE := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	long := strings.Repeat("a", 201)
	tests := []struct {
		name, given string
		kept        bool
	}{
		{"Valid", "abcdefghij0123456789+/=-XYZ", true},
		{"Exactly20", strings.Repeat("Z", 20), true},
		{"TooShort", "abc", false},
		{"TooLong", long, false},
		{"BadChars", "abcdefghij0123456789 ;", false},
		{"Missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{}
			if tt.given != "" {
				hdr.Set("X-Request-Id", tt.given)
			}
			res := e.get(t, "myapp.example.com", "/", hdr)
			h := seen(t, res)
			sent, back := h.Get("X-Request-Id"), res.Header.Values("X-Request-Id")
			if len(back) != 1 || back[0] != sent {
				t.Errorf("client got X-Request-Id %q, dyno got %q", back, sent)
			}
			if tt.kept && sent != tt.given {
				t.Errorf("X-Request-Id=%q, want kept %q", sent, tt.given)
			}
			if !tt.kept && !uuidRE.MatchString(sent) {
				t.Errorf("X-Request-Id=%q, want a new uuid", sent)
			}
			e.sink.next(t)
		})
	}
}

func TestProxy_HopByHop(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoHeaders)))
	res := e.get(t, "myapp.example.com", "/", http.Header{
		"Connection":          {"X-Secret"},
		"X-Secret":            {"1"},
		"Keep-Alive":          {"timeout=5"},
		"Proxy-Authorization": {"Basic eA=="},
		"Proxy-Connection":    {"keep-alive"},
		"Te":                  {"gzip"},
		"Upgrade":             {"h2c"},
		"X-Kept":              {"yes"},
	})
	h := seen(t, res)
	for _, k := range []string{"Connection", "X-Secret", "Keep-Alive", "Proxy-Authorization", "Proxy-Connection", "Te", "Upgrade"} {
		if v := h.Values(k); len(v) > 0 {
			t.Errorf("dyno got hop-by-hop %s=%q", k, v)
		}
	}
	if h.Get("X-Kept") != "yes" {
		t.Error("end-to-end header X-Kept lost")
	}
}

func TestProxy_WebSocketUpgrade(t *testing.T) {
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "websocket" {
			http.Error(w, "want upgrade", 400)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo " + line)
		brw.Flush()
	})
	e := MustRouter(t, router.Config{}, route(backend))
	conn, err := net.Dial("tcp", e.front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: myapp.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 101 || res.Header.Get("Upgrade") != "websocket" {
		t.Fatalf("status=%d upgrade=%q, want 101 websocket", res.StatusCode, res.Header.Get("Upgrade"))
	}
	io.WriteString(conn, "hello\n")
	got, err := br.ReadString('\n')
	if err != nil || got != "echo hello\n" {
		t.Errorf("read %q, %v, want %q", got, err, "echo hello\n")
	}
	// The proxy ends the upgraded request once both sides are closed.
	conn.Close()
	if line := e.sink.next(t); !strings.Contains(line, "status=101") {
		t.Errorf("line=%q, want status=101", line)
	}
}

func TestProxy_StreamingFlush(t *testing.T) {
	release := make(chan struct{})
	e := MustRouter(t, router.Config{}, route(MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		<-release
		io.WriteString(w, "second\n")
	})))
	res := e.get(t, "myapp.example.com", "/", nil)
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	// The dyno holds the rest back until the first line arrived, so it must be flushed.
	if line, err := br.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first read %q, %v", line, err)
	}
	close(release)
	if line, err := br.ReadString('\n'); err != nil || line != "second\n" {
		t.Fatalf("second read %q, %v", line, err)
	}
}
