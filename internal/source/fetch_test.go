package source_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/netguard"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

func TestPolicy_CheckURL(t *testing.T) {
	for _, tc := range []struct {
		url    string
		policy source.Policy
		ok     bool
	}{
		{"https://github.com/o/r.git", source.Policy{}, true},
		{"http://127.0.0.1:8080/r.git", source.Policy{}, false},
		{"http://127.0.0.1:8080/r.git", source.Policy{AllowPrivate: true}, true},
		{"http://127.0.0.2:8080/r.git", source.Policy{AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}, true},
		{"http://127.1/r.git", source.Policy{}, false},
		{"http://2130706433/r.git", source.Policy{}, false},
		{"http://0x7f.1/r.git", source.Policy{}, false},
		{"http://[::1]/r.git", source.Policy{}, false},
		{"http://[::ffff:127.0.0.1]/r.git", source.Policy{}, false},
		{"git://10.0.0.5/r.git", source.Policy{}, false},
		{"https://169.254.169.254/latest/meta-data", source.Policy{}, false},
		{"https://[fd00::1]/r.git", source.Policy{}, false},
		{"https://8.8.8.8/r.git", source.Policy{}, true}, // parsed, not fetched
		{"git://example.com/r.git", source.Policy{}, true},
		{"HTTPS://example.com/r", source.Policy{}, true},
		{"file:///etc", source.Policy{}, false},
		{"file:///etc", source.Policy{Schemes: []string{"file"}}, false},
		{"ext::sh -c touch% /tmp/pwned", source.Policy{}, false},
		{"ssh://git@github.com/o/r.git", source.Policy{}, false},
		{"git@github.com:o/r.git", source.Policy{}, false},
		{"/srv/repos/r.git", source.Policy{}, false},
		{"../r", source.Policy{}, false},
		{"--upload-pack=touch /tmp/x", source.Policy{}, false},
		{"https://user:token@github.com/o/r.git", source.Policy{}, false},
		{"https:///r.git", source.Policy{}, false},
		{"http://example.com/r.git", source.Policy{Schemes: []string{"https"}}, false},
		{"https://evil.example/r.git", source.Policy{Hosts: []string{"github.com", "*.gitlab.com"}}, false},
		{"https://a.gitlab.com/r.git", source.Policy{Hosts: []string{"github.com", "*.gitlab.com"}}, true},
	} {
		t.Run(tc.url, func(t *testing.T) {
			_, err := tc.policy.CheckURL(tc.url)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckURL err=%v, want ok=%v", err, tc.ok)
			}
			if err != nil && bera.ErrorCode(err) != bera.EInvalid {
				t.Errorf("code=%s, want invalid_params", bera.ErrorCode(err))
			}
			if strings.Contains(bera.ErrorMessage(err), "token") {
				t.Errorf("message leaks credentials: %s", bera.ErrorMessage(err))
			}
		})
	}
}

func FuzzPolicy_CheckURL(f *testing.F) {
	for _, s := range []string{"https://github.com/o/r.git", "file:///x", "ext::sh", "git@h:o/r", "http://u:p@h/", "-x",
		"http://127.1/", "http://[::ffff:10.0.0.1]/", "git://0x7f.1/r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := source.Policy{}.CheckURL(raw)
		if err != nil {
			return
		}
		if u.User != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "git") {
			t.Fatalf("CheckURL accepted %q as %#v", raw, u)
		}
		if ip, ok := netguard.ParseHost(u.Hostname()); ok && !netguard.IsPublic(ip) {
			t.Fatalf("CheckURL accepted %q, whose host is %s", raw, ip)
		}
	})
}

func TestFetcher_Clone(t *testing.T) {
	gs := sourcetest.NewGitServer(t)
	first := gs.Commit(t, "app", "main", map[string]string{"Procfile": "web: x\n", "a.txt": "one"})
	second := gs.Commit(t, "app", "main", map[string]string{"a.txt": "two"})
	gs.Commit(t, "app", "other", map[string]string{"a.txt": "other"})
	f := &source.Fetcher{Policy: source.Policy{AllowPrivate: true}}
	t.Run("Branch", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "src")
		commit, err := f.Clone(t.Context(), gs.RepoURL("app"), "main", dir)
		if err != nil {
			t.Fatal(err)
		}
		if commit != second || readFile(t, dir, "a.txt") != "two" {
			t.Errorf("commit=%s a.txt=%q, want %s two", commit, readFile(t, dir, "a.txt"), second)
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); !os.IsNotExist(err) {
			t.Errorf(".git left in the tree: %v", err)
		}
	})
	t.Run("DefaultBranch", func(t *testing.T) {
		commit, err := f.Clone(t.Context(), gs.RepoURL("app"), "", filepath.Join(t.TempDir(), "src"))
		if err != nil || commit != second {
			t.Errorf("commit=%s err=%v, want %s", commit, err, second)
		}
	})
	t.Run("Commit", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "src")
		commit, err := f.Clone(t.Context(), gs.RepoURL("app"), first, dir)
		if err != nil || commit != first || readFile(t, dir, "a.txt") != "one" {
			t.Errorf("commit=%s err=%v, want %s", commit, err, first)
		}
	})
	t.Run("Head", func(t *testing.T) {
		head, err := f.Head(t.Context(), gs.RepoURL("app"), "main")
		if err != nil || head != second {
			t.Errorf("Head=%s err=%v, want %s", head, err, second)
		}
	})
	for _, tc := range []struct{ name, url, ref, want string }{
		{"ErrNoBranch", gs.RepoURL("app"), "nope", `Couldn't find "nope"`},
		{"ErrNoRepo", gs.RepoURL("missing"), "main", "Couldn't reach a Git repository"},
		{"ErrUnreachable", "http://" + closedAddr(t) + "/r.git", "main", "Couldn't reach a Git repository"},
		{"ErrCredentials", sourcetest.Unauthorized(t), "main", "needs credentials"},
		{"ErrFileURL", "file://" + gs.Root + "/app.git", "main", "scheme is not allowed"},
		{"ErrOptionRef", gs.RepoURL("app"), "--upload-pack=x", "not a valid branch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.Clone(t.Context(), tc.url, tc.ref, filepath.Join(t.TempDir(), "src"))
			if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tc.want) {
				t.Errorf("err=%v (%s), want invalid_params with %q", err, bera.ErrorMessage(err), tc.want)
			}
		})
	}
}

func TestFetcher_Tarball(t *testing.T) {
	gh := tarball(t, map[string]string{"owner-repo-abc123/Procfile": "web: x\n", "owner-repo-abc123/sub/a.txt": "a"})
	flat := tarball(t, map[string]string{"Procfile": "web: x\n", "b.txt": "b"})
	evil := tarball(t, map[string]string{"../escape.txt": "x"})
	mux := http.NewServeMux()
	for name, body := range map[string][]byte{"/gh.tgz": gh, "/flat.tgz": flat, "/evil.tgz": evil, "/junk.tgz": []byte("not a tarball")} {
		mux.HandleFunc(name, func(w http.ResponseWriter, r *http.Request) { w.Write(body) })
	}
	mux.Handle("/redirect", http.RedirectHandler("file:///etc/passwd", http.StatusFound))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f := &source.Fetcher{Policy: source.Policy{AllowPrivate: true}}
	t.Run("GitHubStyle", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "src")
		if err := f.Tarball(t.Context(), srv.URL+"/gh.tgz", "SHA256:"+sum(gh), dir); err != nil {
			t.Fatal(err)
		}
		if readFile(t, dir, "sub/a.txt") != "a" || readFile(t, dir, "Procfile") == "" {
			t.Error("top-level directory not stripped")
		}
	})
	t.Run("Flat", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "src")
		if err := f.Tarball(t.Context(), srv.URL+"/flat.tgz", "", dir); err != nil || readFile(t, dir, "b.txt") != "b" {
			t.Fatalf("err=%v", err)
		}
	})
	for _, tc := range []struct{ name, path, checksum, want string }{
		{"ErrChecksum", "/flat.tgz", "SHA256:00", "does not match its checksum"},
		{"ErrUnsafe", "/evil.tgz", "", "unsafe entries"},
		{"ErrJunk", "/junk.tgz", "", "not a readable tarball"},
		{"ErrNotFound", "/none.tgz", "", "404"},
		{"ErrRedirectToFile", "/redirect", "", "scheme is not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.Tarball(t.Context(), srv.URL+tc.path, tc.checksum, filepath.Join(t.TempDir(), "src"))
			if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tc.want) {
				t.Errorf("err=%v (%s), want invalid_params with %q", err, bera.ErrorMessage(err), tc.want)
			}
		})
	}
	t.Run("ErrTooLarge", func(t *testing.T) {
		small := &source.Fetcher{MaxBytes: 10, Policy: source.Policy{AllowPrivate: true}}
		err := small.Tarball(t.Context(), srv.URL+"/gh.tgz", "", filepath.Join(t.TempDir(), "src"))
		if !strings.Contains(bera.ErrorMessage(err), "larger than") && !strings.Contains(bera.ErrorMessage(err), "more than") {
			t.Errorf("err=%v, want a size error", err)
		}
	})
}

func tarball(tb testing.TB, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func readFile(tb testing.TB, dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return string(b)
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(tb testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
