package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/server"
)

// testConfig is a server on free loopback ports with its data in a temp dir, on the
// process runtime and SQLite.
func testConfig(t *testing.T, stdout io.Writer) server.Config {
	return server.Config{
		Data: t.TempDir(), Listen: "127.0.0.1:0", RouterListen: "127.0.0.1:0", RendezvousListen: "127.0.0.1:0",
		Domain: "localhost", Runtime: "process", APIRateLimit: 4500, MachineCache: "off",
		SourceSchemes: "https,http,git", MaxDynosPerApp: bera.DefaultMaxDynosPerApp,
		Stdout: stdout, Logger: slog.New(slog.DiscardHandler),
	}
}

// running is a server started in process, stopped at cleanup if the test did not.
type running struct {
	t    *testing.T
	srv  *server.Server
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, cfg server.Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	srv, err := server.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("New: %v", err)
	}
	r := &running{t: t, srv: srv, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		if r.done != nil {
			r.shutdown()
		}
	})
	return r
}

// shutdown cancels Run, waits for it and closes the server; both must succeed.
func (r *running) shutdown() {
	r.t.Helper()
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		r.t.Fatal("Run did not return 30 s after its context ended")
	}
	r.done = nil
	if err := r.srv.Close(); err != nil {
		r.t.Errorf("Close: %v", err)
	}
}

// api sends a request to the API with key and returns the status and body.
func (r *running) api(key, method, path, body string) (int, string) {
	r.t.Helper()
	req, _ := http.NewRequestWithContext(r.t.Context(), method, "http://"+r.srv.Addr().String()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func adminKey(t *testing.T, dataDir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "admin.key"))
	if err != nil {
		t.Fatalf("admin key: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// TestServer_InProcess starts the whole server in this process, uses the API and the
// router, and stops it.
func TestServer_InProcess(t *testing.T) {
	before := goruntime.NumGoroutine()
	var stdout bytes.Buffer
	cfg := testConfig(t, &stdout)
	r := start(t, cfg)
	key := adminKey(t, cfg.Data)
	if !strings.Contains(stdout.String(), key) {
		t.Errorf("the first start did not print the admin key; printed %q", stdout.String())
	}

	if code, body := r.api(key, "POST", "/apps", `{"name":"demo"}`); code != http.StatusCreated {
		t.Fatalf("POST /apps: %d %s", code, body)
	}
	code, body := r.api(key, "GET", "/apps", "")
	var apps []struct {
		Name   string `json:"name"`
		WebURL string `json:"web_url"`
	}
	if err := json.Unmarshal([]byte(body), &apps); code != http.StatusOK || err != nil {
		t.Fatalf("GET /apps: %d %s (%v)", code, body, err)
	}
	wantURL := "http://demo.localhost:" + portOf(r.srv.RouterAddr().String()) + "/"
	if len(apps) != 1 || apps[0].Name != "demo" || apps[0].WebURL != wantURL {
		t.Errorf("GET /apps = %+v, want demo at %s", apps, wantURL)
	}
	if code, _ := r.api("wrong", "GET", "/apps", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /apps with a wrong key: %d, want 401", code)
	}

	// The API port speaks TLS too, with a certificate of the local CA, HTTP/1.1 only.
	pem, err := os.ReadFile(filepath.Join(cfg.Data, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	conn, err := tls.Dial("tcp", r.srv.Addr().String(), &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatalf("TLS on the API port: %v", err)
	}
	if got := conn.ConnectionState().NegotiatedProtocol; got != "http/1.1" {
		t.Errorf("ALPN on the API port: %q, want http/1.1", got)
	}
	conn.Close()

	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+r.srv.RouterAddr().String()+"/", nil)
	req.Host = "nosuchapp.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("router for an unknown host: %d, want 404", resp.StatusCode)
	}

	apiAddr, routerAddr := r.srv.Addr().String(), r.srv.RouterAddr().String()
	r.shutdown()
	for _, addr := range []string{apiAddr, routerAddr} {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after shutdown", addr)
		}
	}
	http.DefaultClient.CloseIdleConnections()
	// Every goroutine the server started has ended (a few of the test's may linger).
	for deadline := time.Now().Add(5 * time.Second); goruntime.NumGoroutine() > before+2; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after shutdown, %d before:\n%s", goruntime.NumGoroutine(), before, buf[:goruntime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func portOf(addr string) string { return addr[strings.LastIndexByte(addr, ':')+1:] }

// TestServer_Restart starts a second server on the first one's data: the app is still
// there and no second admin is made.
func TestServer_Restart(t *testing.T) {
	cfg := testConfig(t, io.Discard)
	start(t, cfg).shutdown()
	key := adminKey(t, cfg.Data)
	var stdout bytes.Buffer
	cfg.Stdout = &stdout
	r := start(t, cfg)
	if code, body := r.api(key, "GET", "/account", ""); code != http.StatusOK {
		t.Errorf("GET /account with the first server's key: %d %s", code, body)
	}
	if stdout.Len() > 0 {
		t.Errorf("the second start printed %q, want nothing", stdout.String())
	}
}

// TestServer_BusyPort fails New on a port in use and releases what it had opened.
func TestServer_BusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	router, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	routerAddr := router.Addr().String()
	router.Close()
	cfg := testConfig(t, io.Discard)
	cfg.Listen, cfg.RouterListen = busy.Addr().String(), routerAddr
	if _, err := server.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "listen on "+busy.Addr().String()) {
		t.Fatalf("New on a busy port: %v, want a listen error", err)
	}
	cfg.Listen = "127.0.0.1:0"
	r := start(t, cfg) // the router's port and the store were released
	if got := r.srv.RouterAddr().String(); got != routerAddr {
		t.Errorf("router on %s, want %s", got, routerAddr)
	}
}

// TestServer_CloseWithoutRun closes a server that never ran: its ports are free again.
func TestServer_CloseWithoutRun(t *testing.T) {
	srv, err := server.New(t.Context(), testConfig(t, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	addrs := []string{srv.Addr().String(), srv.RouterAddr().String()}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, addr := range addrs {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("%s still taken after Close: %v", addr, err)
			continue
		}
		ln.Close()
	}
}
