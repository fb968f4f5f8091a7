package source_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

// The tests below make every fetch a tenant could use to reach the server's own host: each
// must fail with the default policy, never having sent a request, and succeed with
// AllowPrivate. Every server is on loopback; "localhost" is a name from /etc/hosts.

var (
	strict  = &source.Fetcher{}
	lenient = &source.Fetcher{Policy: source.Policy{AllowPrivate: true}}
)

// localhost rewrites a URL on 127.0.0.1 to use the host name localhost.
func localhost(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

func wantPrivate(t *testing.T, err error, addr string) {
	t.Helper()
	msg := bera.ErrorMessage(err)
	if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(msg, addr+", a loopback address; this server does not fetch from private networks") {
		t.Fatalf("err=%v (%q), want invalid_params saying %s is a loopback address", err, msg, addr)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message is not one line: %q", msg)
	}
}

func TestFetcher_Tarball_Private(t *testing.T) {
	flat := tarball(t, map[string]string{"Procfile": "web: x\n"})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(flat)
	}))
	t.Cleanup(srv.Close)
	// A server on 127.0.0.2 stands in for a public host (the policy allows it by network)
	// and redirects to the one on 127.0.0.1.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	redir := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to, ok := strings.CutPrefix(r.URL.Path, "/to/"); ok {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte("not a tarball"))
	})}}
	redir.Start()
	t.Cleanup(redir.Close)
	public := &source.Fetcher{Policy: source.Policy{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}}

	for _, tc := range []struct {
		name string
		f    *source.Fetcher
		url  string
		want string // in the message
	}{
		{"ErrAddress", strict, srv.URL + "/a.tgz", "resolves to 127.0.0.1"},
		{"ErrName", strict, localhost(srv.URL) + "/a.tgz", "resolves to 127.0.0.1"},
		{"ErrLegacyAddress", strict, strings.Replace(srv.URL, "127.0.0.1", "2130706433", 1) + "/a.tgz", "resolves to 127.0.0.1"},
		{"ErrRedirectToName", public, redir.URL + "/to/" + localhost(srv.URL) + "/a.tgz", "redirects to http://localhost"},
		{"ErrRedirectToAddress", public, redir.URL + "/to/" + srv.URL + "/a.tgz", "resolves to 127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			err := tc.f.Tarball(t.Context(), tc.url, "", filepath.Join(t.TempDir(), "src"))
			wantPrivate(t, err, "127.0.0.1")
			if !strings.Contains(bera.ErrorMessage(err), tc.want) {
				t.Errorf("message %q, want %q in it", bera.ErrorMessage(err), tc.want)
			}
			if hits.Load() != 0 {
				t.Errorf("the private server got %d requests", hits.Load())
			}
			if err := lenient.Tarball(t.Context(), tc.url, "", filepath.Join(t.TempDir(), "src")); err != nil {
				t.Errorf("with AllowPrivate: %v", err)
			}
		})
	}
	t.Run("RedirectToAllowed", func(t *testing.T) {
		if err := public.Tarball(t.Context(), redir.URL+"/to/"+redir.URL+"/junk", "", filepath.Join(t.TempDir(), "src")); !strings.Contains(bera.ErrorMessage(err), "not a readable tarball") {
			t.Errorf("err=%v, want the allowed server's answer (not a tarball)", err)
		}
	})
}

func TestFetcher_Git_Private(t *testing.T) {
	gs := sourcetest.NewGitServer(t)
	commit := gs.Commit(t, "app", "main", map[string]string{"Procfile": "web: x\n"})
	daemon := gs.Daemon(t)
	for _, tc := range []struct{ name, url string }{
		{"ErrAddress", gs.RepoURL("app")},
		{"ErrName", localhost(gs.RepoURL("app"))}, // resolved and refused by the proxy git uses
		{"ErrIPv6", strings.Replace(gs.RepoURL("app"), "127.0.0.1", "[::ffff:127.0.0.1]", 1)},
		{"ErrGitProtocol", daemon + "/app.git"},
		{"ErrGitProtocolName", localhost(daemon) + "/app.git"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := strict.Clone(t.Context(), tc.url, "main", filepath.Join(t.TempDir(), "src"))
			wantPrivate(t, err, "127.0.0.1")
			_, err = strict.Head(t.Context(), tc.url, "main")
			wantPrivate(t, err, "127.0.0.1")
			_, err = strict.Clone(t.Context(), tc.url, commit, filepath.Join(t.TempDir(), "src"))
			wantPrivate(t, err, "127.0.0.1")

			if strings.Contains(tc.url, "[::ffff:") {
				return // git's curl cannot connect to an IPv4-mapped address itself
			}
			got, err := lenient.Clone(t.Context(), tc.url, "main", filepath.Join(t.TempDir(), "src"))
			if err != nil || got != commit {
				t.Errorf("with AllowPrivate: commit=%s err=%v, want %s", got, err, commit)
			}
			if got, err := lenient.Head(t.Context(), tc.url, "main"); err != nil || got != commit {
				t.Errorf("Head with AllowPrivate: %s %v", got, err)
			}
		})
	}
}

// TestFetcher_Git_PrivateHTTPS clones over https from a name that resolves to 127.0.0.1:
// git's CONNECT through the proxy is refused before any connection reaches the server.
func TestFetcher_Git_PrivateHTTPS(t *testing.T) {
	sourcetest.Require(t)
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	url := localhost(srv.URL) + "/app.git"
	_, err := strict.Clone(t.Context(), url, "main", filepath.Join(t.TempDir(), "src"))
	wantPrivate(t, err, "127.0.0.1")
	_, err = strict.Head(t.Context(), url, "main")
	wantPrivate(t, err, "127.0.0.1")
	if n := conns.Load(); n != 0 {
		t.Errorf("the server got %d connections", n)
	}
	// Allowed, git reaches the server (and refuses its test certificate).
	if _, err := lenient.Head(t.Context(), url, "main"); err == nil || conns.Load() == 0 {
		t.Errorf("with AllowPrivate: err=%v after %d connections, want a certificate error after one", err, conns.Load())
	}
}

// TestFetcher_DumbHTTP clones from a bare repository served as static files, where a
// shallow clone is impossible.
func TestFetcher_DumbHTTP(t *testing.T) {
	gs := sourcetest.NewGitServer(t)
	first := gs.Commit(t, "app", "main", map[string]string{"Procfile": "web: x\n", "a.txt": "one"})
	second := gs.Commit(t, "app", "main", map[string]string{"a.txt": "two"})
	gs.Commit(t, "app", "other", map[string]string{"a.txt": "other"})
	url := gs.DumbURL(t, "app")
	for _, tc := range []struct{ ref, commit, content string }{
		{"main", second, "two"},
		{"", second, "two"},
		{"other", "", "other"},
		{first, first, "one"},
	} {
		t.Run("ref="+tc.ref, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "src")
			got, err := lenient.Clone(t.Context(), url, tc.ref, dir)
			if err != nil || tc.commit != "" && got != tc.commit || readFile(t, dir, "a.txt") != tc.content {
				t.Errorf("Clone(%q) = %s, %v, a.txt=%q; want %s with %q", tc.ref, got, err, readFile(t, dir, "a.txt"), tc.commit, tc.content)
			}
		})
	}
	if head, err := lenient.Head(t.Context(), url, "main"); err != nil || head != second {
		t.Errorf("Head = %s, %v; want %s", head, err, second)
	}
	if _, err := lenient.Clone(t.Context(), url, "nope", filepath.Join(t.TempDir(), "src")); !strings.Contains(bera.ErrorMessage(err), `Couldn't find "nope"`) {
		t.Errorf("missing branch: %v", err)
	}
	_, err := strict.Clone(t.Context(), localhost(url), "main", filepath.Join(t.TempDir(), "src"))
	wantPrivate(t, err, "127.0.0.1")
}
