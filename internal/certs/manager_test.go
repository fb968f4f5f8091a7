package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// countingStore is the real store, counting the Manager's reads of it.
type countingStore struct {
	*store.Store
	reads atomic.Int64
}

func (c *countingStore) ListEndpoints(ctx context.Context, appID string) ([]*bera.Endpoint, error) {
	c.reads.Add(1)
	return c.Store.ListEndpoints(ctx, appID)
}

func (c *countingStore) ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error) {
	c.reads.Add(1)
	return c.Store.ListDomains(ctx, appID)
}

func (c *countingStore) AppsWithFeature(ctx context.Context, name string) ([]string, error) {
	c.reads.Add(1)
	return c.Store.AppsWithFeature(ctx, name)
}

// serve does a real TLS handshake against cfg, sending serverName, and returns the leaf
// the server presented.
func serve(t *testing.T, cfg *tls.Config, serverName string) *x509.Certificate {
	t.Helper()
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	go tls.Server(sc, cfg).Handshake()
	c := tls.Client(cc, &tls.Config{ServerName: serverName, InsecureSkipVerify: true})
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake for %q: %v", serverName, err)
	}
	return c.ConnectionState().PeerCertificates[0]
}

// tlsEnv is a Manager over a real SQLite store with two apps, each with a custom domain.
type tlsEnv struct {
	st         *countingStore
	m          *certs.Manager
	shop, blog *bera.App
	def        *tls.Certificate
}

func newTLSEnv(t testing.TB) *tlsEnv {
	t.Helper()
	e := &tlsEnv{st: &countingStore{Store: storetest.OpenSQLite(t)}}
	owner := &bera.User{Email: "owner@example.com"}
	if err := e.st.CreateUser(t.Context(), owner); err != nil {
		t.Fatal(err)
	}
	e.shop, e.blog = e.app(t, owner, "shop", "www.shop.example"), e.app(t, owner, "blog", "www.blog.example")
	chain, key := pair(t, time.Now().Add(24*time.Hour), "*.bera.test")
	var err error
	if e.def, err = certs.ParseKeyPair(chain, key); err != nil {
		t.Fatal(err)
	}
	e.m = certs.NewManager(certs.ManagerConfig{Store: e.st, Default: e.def, HTTPSAddr: "127.0.0.1:8443"})
	return e
}

func (e *tlsEnv) app(t testing.TB, owner *bera.User, name, domain string) *bera.App {
	t.Helper()
	app := &bera.App{Name: name, OwnerID: owner.ID}
	if _, err := e.st.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateDomain(t.Context(), &bera.Domain{AppID: app.ID, Hostname: domain}); err != nil {
		t.Fatal(err)
	}
	return app
}

// upload stores a manual certificate for the app's names and returns it.
func (e *tlsEnv) upload(t *testing.T, app *bera.App, names ...string) *bera.Endpoint {
	t.Helper()
	chain, key := pair(t, time.Now().Add(24*time.Hour), names...)
	ep := &bera.Endpoint{AppID: app.ID, Name: app.Name + "-cert", CertificateChain: chain, PrivateKey: key}
	if err := e.st.CreateEndpoint(t.Context(), ep); err != nil {
		t.Fatal(err)
	}
	return ep
}

// run starts the Manager until the test ends and waits for its first load.
func (e *tlsEnv) run(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	go e.m.Run(ctx)
	synctest.Wait()
}

func (e *tlsEnv) servesDefault(t *testing.T, name string) bool {
	t.Helper()
	return serve(t, e.m.TLSConfig(), name).Equal(e.def.Leaf)
}

// TestManager_Certificates serves each custom domain its app's manual certificate by SNI,
// picks up an upload the API reports at once, and a removal nobody reported at the next
// resync; idle, it reads nothing.
func TestManager_Certificates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newTLSEnv(t)
		shopCert := e.upload(t, e.shop, "www.shop.example")
		e.run(t)
		if got := serve(t, e.m.TLSConfig(), "www.shop.example"); !got.Equal(leaf(t, shopCert)) {
			t.Errorf("www.shop.example served %v, want its manual certificate", got.Subject)
		}
		if !e.servesDefault(t, "www.blog.example") || !e.servesDefault(t, "shop.bera.test") {
			t.Error("a name with no manual certificate is not served the default one")
		}

		reads := e.st.reads.Load()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if n := e.st.reads.Load() - reads; n != 0 {
			t.Errorf("%d store reads in 20 s without a change, want 0", n)
		}

		blogCert := e.upload(t, e.blog, "www.blog.example")
		e.m.Changed(e.blog.ID)
		synctest.Wait()
		if got := serve(t, e.m.TLSConfig(), "www.blog.example"); !got.Equal(leaf(t, blogCert)) {
			t.Errorf("after Changed, www.blog.example served %v, want its new certificate", got.Subject)
		}
		if n := e.st.reads.Load() - reads; n != 3 {
			t.Errorf("a reload took %d store reads, want 3 whatever the number of apps", n)
		}

		// Removed through another server: nobody calls Changed.
		if err := e.st.DeleteEndpoint(t.Context(), e.shop.ID, shopCert.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(9 * time.Second) // 29 s since Run began: before the first resync, at 30 s
		synctest.Wait()
		if e.servesDefault(t, "www.shop.example") {
			t.Error("the removal showed before the resync")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if !e.servesDefault(t, "www.shop.example") {
			t.Error("after the resync, a removed certificate is still served")
		}
	})
}

// TestManager_Redirect sends plain HTTP requests for the custom domains of apps with
// http-to-https on to the HTTPS listener, and nothing else.
func TestManager_Redirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newTLSEnv(t)
		e.run(t)
		h := e.m.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "app") }))
		do := func(method, host string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(method, "/path?q=1", nil)
			r.Host = host
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		if w := do("GET", "www.shop.example"); w.Code != http.StatusOK || w.Body.String() != "app" {
			t.Fatalf("before http-to-https: %d %q", w.Code, w.Body)
		}

		if err := e.st.SetAppFeature(t.Context(), e.shop.ID, certs.RedirectFeature, true); err != nil {
			t.Fatal(err)
		}
		e.m.Changed(e.shop.ID)
		synctest.Wait()
		for _, tc := range []struct {
			method, host string
			code         int
			location     string
		}{
			{"GET", "WWW.Shop.Example.:8080", http.StatusMovedPermanently, "https://www.shop.example:8443/path?q=1"},
			{"POST", "www.shop.example", http.StatusPermanentRedirect, "https://www.shop.example:8443/path?q=1"},
			{"GET", "www.blog.example", http.StatusOK, ""},
			{"GET", "shop.bera.test", http.StatusOK, ""},
		} {
			w := do(tc.method, tc.host)
			if w.Code != tc.code || w.Header().Get("Location") != tc.location {
				t.Errorf("%s %s: %d to %q, want %d to %q", tc.method, tc.host, w.Code, w.Header().Get("Location"), tc.code, tc.location)
			}
		}
		if !e.m.Redirects([]byte("www.shop.example")) || e.m.Redirects([]byte("www.blog.example")) {
			t.Error("Redirects disagrees with the handler")
		}
	})
}

// FuzzManager_Redirect sends any Host header through the redirect: it only ever redirects
// to https:// on the one redirected domain, and passes everything else on.
func FuzzManager_Redirect(f *testing.F) {
	e := newTLSEnv(f)
	if err := e.st.SetAppFeature(f.Context(), e.shop.ID, certs.RedirectFeature, true); err != nil {
		f.Fatal(err)
	}
	if err := e.m.Reload(f.Context()); err != nil {
		f.Fatal(err)
	}
	h := e.m.HTTPHandler(http.NotFoundHandler())
	for _, s := range []string{"www.shop.example", "WWW.SHOP.EXAMPLE.:80", "[::1]:80", "www.shop.example:", "www.shop.example..", "evil.example/www.shop.example", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		loc := w.Header().Get("Location")
		switch {
		case w.Code == http.StatusNotFound && loc == "":
		case w.Code == http.StatusMovedPermanently && loc == "https://www.shop.example:8443/":
		default:
			t.Fatalf("Host %q: %d to %q", host, w.Code, loc)
		}
	})
}
