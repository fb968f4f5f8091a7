package netguard_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/netguard"
)

func mustProxy(t *testing.T, allowPrivate bool) *netguard.Proxy {
	t.Helper()
	d := &netguard.Dialer{Timeout: 5 * time.Second, AllowPrivate: allowPrivate}
	p, err := netguard.StartProxy(d.DialContext)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// client returns a client that reaches everything through proxyURL, trusting srv's
// certificate.
func client(t *testing.T, proxyURL string, srv *httptest.Server) *http.Client {
	u, err := url.Parse(proxyURL)
	if err != nil {
		t.Fatal(err)
	}
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyURL(u)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (int, string, error) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestProxy(t *testing.T) {
	hello := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != "" {
			http.Error(w, "proxy credentials leaked", 500)
			return
		}
		io.WriteString(w, "hello "+r.URL.Path)
	})
	plain := httptest.NewServer(hello)
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(hello)
	t.Cleanup(secure.Close)

	t.Run("Allowed", func(t *testing.T) {
		p := mustProxy(t, true)
		for _, srv := range []*httptest.Server{plain, secure} {
			code, body, err := get(t, client(t, p.URL, srv), srv.URL+"/x")
			if err != nil || code != 200 || body != "hello /x" {
				t.Errorf("GET %s through the proxy: %d %q %v", srv.URL, code, body, err)
			}
		}
		if p.Blocked() != nil {
			t.Errorf("Blocked = %v", p.Blocked())
		}
	})
	t.Run("ErrPrivateForward", func(t *testing.T) {
		p := mustProxy(t, false)
		// localhost is resolved by the proxy (from /etc/hosts), not by the client.
		u := strings.Replace(plain.URL, "127.0.0.1", "localhost", 1)
		code, _, err := get(t, client(t, p.URL, plain), u+"/x")
		if err != nil || code != http.StatusForbidden {
			t.Errorf("GET %s: %d %v, want 403", u, code, err)
		}
		if b := p.Blocked(); b == nil || !b.Addr.IsLoopback() {
			t.Errorf("Blocked = %v, want the loopback address", b)
		}
	})
	t.Run("ErrPrivateConnect", func(t *testing.T) {
		p := mustProxy(t, false)
		_, _, err := get(t, client(t, p.URL, secure), secure.URL+"/x")
		if err == nil || !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("GET %s: err=%v, want a refused CONNECT", secure.URL, err)
		}
		if b := p.Blocked(); b == nil || b.Addr.String() != "127.0.0.1" {
			t.Errorf("Blocked = %v, want 127.0.0.1", b)
		}
	})
	t.Run("ErrNoPassword", func(t *testing.T) {
		p := mustProxy(t, true)
		u, _ := url.Parse(p.URL)
		u.User = url.UserPassword("bera", "wrong")
		code, _, err := get(t, client(t, u.String(), plain), plain.URL+"/x")
		if err != nil || code != http.StatusProxyAuthRequired {
			t.Errorf("GET with a wrong proxy password: %d %v, want 407", code, err)
		}
	})
	t.Run("Close", func(t *testing.T) {
		p := mustProxy(t, true)
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if _, _, err := get(t, client(t, p.URL, plain), plain.URL); err == nil {
			t.Error("a closed proxy still answers")
		}
	})
}
