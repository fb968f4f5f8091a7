package e2e_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/source/github"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

// TestSource_GitURLWebhookTarball deploys one app from a Git URL served by a local
// git-http-backend (apps:create --repo), then from GitHub webhooks (a push, and a push that
// waits for CI), then from a tarball through the Build API. The servers are on loopback,
// so the server runs with --allow-private-sources.
func TestSource_GitURLWebhookTarball(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "python3", "apt-get install python3")
	gs := sourcetest.NewGitServer(t)
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--allow-private-sources"}})
	files := sampleFiles(t, "procfile-hello")
	gs.Commit(t, "web", "main", files)

	out, errOut, code := env.Bera(t, "", nil, "apps:create", "gitapp", "--repo", gs.RepoURL("web"), "--branch", "main")
	if code != 0 || !strings.Contains(out, "-----> Cloning") || !strings.Contains(out, "Released v2") {
		t.Fatalf("apps:create --repo: exit %d\n%s\n%s\nserver:\n%s", code, out, errOut, env.Stderr.String())
	}
	env.WaitBody(t, "gitapp", "/", "hello from procfile")

	t.Run("Errors", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--repo", gs.RepoURL("web"), "--ref", "nope"}, `Couldn't find "nope"`},
			{[]string{"--repo", gs.RepoURL("missing")}, "Couldn't reach a Git repository"},
			{[]string{"--repo", "file://" + gs.Root + "/web.git"}, "scheme is not allowed"},
			{[]string{"--repo", sourcetest.Unauthorized(t)}, "needs credentials"},
		} {
			out, errOut, code := env.Bera(t, "", nil, append([]string{"deploy", "-a", "gitapp"}, tc.args...)...)
			if code == 0 || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("deploy %v: exit %d, want an error with %q:\n%s\n%s", tc.args, code, tc.want, out, errOut)
			}
		}
	})

	out, errOut, code = env.Bera(t, "", nil, "apps:source", "-a", "gitapp", "--github", "acme/web", "--json")
	var src struct {
		WebhookURL    string `json:"webhook_url"`
		WebhookSecret string `json:"webhook_secret"`
	}
	if err := json.Unmarshal([]byte(out), &src); code != 0 || err != nil || src.WebhookSecret == "" {
		t.Fatalf("apps:source --github: exit %d %v\n%s\n%s", code, err, out, errOut)
	}
	hook := &webhook{t: t, url: src.WebhookURL, secret: src.WebhookSecret}
	if code, body := hook.send("ping", `{"zen":"hi","repository":{"full_name":"acme/web"}}`); code != 200 || !strings.Contains(body, "pong") {
		t.Errorf("ping: %d %s", code, body)
	}
	hook.secret = "wrong"
	if code, _ := hook.send("ping", `{"repository":{"full_name":"acme/web"}}`); code != http.StatusUnauthorized {
		t.Errorf("ping with a bad signature: %d, want 401", code)
	}
	hook.secret = src.WebhookSecret

	files["server.py"] = strings.ReplaceAll(files["server.py"], "hello from procfile", "hello from github")
	sha := gs.Commit(t, "web", "main", files)
	if code, body := hook.send("push", pushPayload(sha)); code != 200 || !strings.Contains(body, "deploying") {
		t.Fatalf("push: %d %s", code, body)
	}
	env.WaitBody(t, "gitapp", "/", "hello from github")

	env.MustBera(t, "apps:source", "-a", "gitapp", "--wait-for-ci", "on")
	files["server.py"] = strings.ReplaceAll(files["server.py"], "hello from github", "hello after ci")
	sha = gs.Commit(t, "web", "main", files)
	if code, body := hook.send("push", pushPayload(sha)); code != 200 || !strings.Contains(body, "waits for CI") {
		t.Fatalf("push with wait-for-ci: %d %s", code, body)
	}
	status := `{"sha":"` + sha + `","state":"success","branches":[{"name":"main"}],"repository":{"full_name":"acme/web"}}`
	if code, body := hook.send("status", status); code != 200 || !strings.Contains(body, "deploying") {
		t.Fatalf("status success: %d %s", code, body)
	}
	env.WaitBody(t, "gitapp", "/", "hello after ci")

	t.Run("Tarball", func(t *testing.T) { testTarballBuild(t, env, files) })
}

func testTarballBuild(t *testing.T, env *beratest.Env, files map[string]string) {
	files["server.py"] = strings.ReplaceAll(files["server.py"], "hello after ci", "hello from a tarball")
	tgz := tarGz(t, "acme-web-1234567/", files)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(tgz) }))
	t.Cleanup(srv.Close)
	var b struct {
		ID, Status      string
		OutputStreamURL string `json:"output_stream_url"`
	}
	code := apiJSON(t, env, "POST", "/apps/gitapp/builds", `{"source_blob":{"url":"`+srv.URL+`/app.tgz","version":"v1.2"}}`, &b)
	if code != http.StatusCreated || b.Status != "pending" || b.OutputStreamURL == "" {
		t.Fatalf("POST builds: %d %+v", code, b)
	}
	resp, err := http.Get(b.OutputStreamURL)
	if err != nil {
		t.Fatal(err)
	}
	output, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(output), "-----> Fetching") || !strings.Contains(string(output), "Released v5") {
		t.Errorf("build output:\n%s", output)
	}
	if code := apiJSON(t, env, "GET", "/apps/gitapp/builds/"+b.ID, "", &b); code != 200 || b.Status != "succeeded" {
		t.Errorf("GET build: %d %+v", code, b)
	}
	env.WaitBody(t, "gitapp", "/", "hello from a tarball")
	if resp, err := http.Get(strings.Replace(b.OutputStreamURL, "token=", "token=0", 1)); err != nil || resp.StatusCode != 404 {
		t.Errorf("output with a bad token: %v %v, want 404", resp.StatusCode, err)
	}
}

// TestSource_PrivateAddresses deploys from Git URLs and tarballs on loopback, by address
// and by a name that resolves to it, from a server without --allow-private-sources: every
// one is refused, and the servers are never asked.
func TestSource_PrivateAddresses(t *testing.T) {
	t.Parallel()
	gs := sourcetest.NewGitServer(t)
	gs.Commit(t, "web", "main", sampleFiles(t, "procfile-hello"))
	var hits atomic.Int32
	tgz := tarGz(t, "web/", sampleFiles(t, "procfile-hello"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); w.Write(tgz) }))
	t.Cleanup(srv.Close)
	env := beratest.New(t)
	const refused = "a loopback address; this server does not fetch from private networks"
	if _, errOut, code := env.Bera(t, "", nil, "apps:create", "strict", "--repo", gs.RepoURL("web")); code == 0 || !strings.Contains(errOut, refused) {
		t.Errorf("apps:create --repo %s: exit %d, want %q in:\n%s", gs.RepoURL("web"), code, refused, errOut)
	}
	env.Bera(t, "", nil, "apps:create", "strict")
	for _, repo := range []string{gs.RepoURL("web"), localhost(gs.RepoURL("web")), localhost(gs.Daemon(t)) + "/web.git"} {
		out, errOut, code := env.Bera(t, "", nil, "deploy", "-a", "strict", "--repo", repo)
		if code == 0 || !strings.Contains(out+errOut, refused) {
			t.Errorf("deploy --repo %s: exit %d, want %q in:\n%s\n%s", repo, code, refused, out, errOut)
		}
	}
	var b struct {
		ID, Status      string
		OutputStreamURL string `json:"output_stream_url"`
	}
	if code := apiJSON(t, env, "POST", "/apps/strict/builds", `{"source_blob":{"url":"`+srv.URL+`/app.tgz"}}`, &b); code != http.StatusUnprocessableEntity {
		t.Errorf("POST builds with a tarball on 127.0.0.1: %d, want 422", code)
	}
	// A name is only resolved when the build fetches it: the build fails.
	if code := apiJSON(t, env, "POST", "/apps/strict/builds", `{"source_blob":{"url":"`+localhost(srv.URL)+`/app.tgz"}}`, &b); code != http.StatusCreated {
		t.Fatalf("POST builds with a tarball on localhost: %d", code)
	}
	resp, err := http.Get(b.OutputStreamURL)
	if err != nil {
		t.Fatal(err)
	}
	output, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(output), "resolves to 127.0.0.1, "+refused) {
		t.Errorf("build output:\n%s", output)
	}
	if code := apiJSON(t, env, "GET", "/apps/strict/builds/"+b.ID, "", &b); code != 200 || b.Status != "failed" {
		t.Errorf("GET build: %d %+v, want failed", code, b)
	}
	if hits.Load() != 0 {
		t.Errorf("the tarball server got %d requests", hits.Load())
	}
}

// TestSource_DumbHTTP deploys from a bare repository served as static files (git's dumb
// HTTP protocol), where a shallow clone is impossible.
func TestSource_DumbHTTP(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "python3", "apt-get install python3")
	gs := sourcetest.NewGitServer(t)
	gs.Commit(t, "web", "main", sampleFiles(t, "procfile-hello"))
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--allow-private-sources"}})
	out, errOut, code := env.Bera(t, "", nil, "apps:create", "dumbapp", "--repo", gs.DumbURL(t, "web"), "--branch", "main")
	if code != 0 || !strings.Contains(out, "Released v2") {
		t.Fatalf("apps:create --repo (dumb http): exit %d\n%s\n%s\nserver:\n%s", code, out, errOut, env.Stderr.String())
	}
	env.WaitBody(t, "dumbapp", "/", "hello from procfile")
}

// localhost rewrites a URL on 127.0.0.1 to use the name localhost, which resolves to it.
func localhost(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) }

type webhook struct {
	t           *testing.T
	url, secret string
}

// send delivers a signed GitHub event and returns the status and body.
func (h *webhook) send(event, body string) (int, string) {
	req, _ := http.NewRequest("POST", h.url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(github.EventHeader, event)
	req.Header.Set(github.SignatureHeader, github.Sign([]byte(h.secret), []byte(body)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func pushPayload(sha string) string {
	return `{"ref":"refs/heads/main","after":"` + sha + `","repository":{"full_name":"acme/web","clone_url":"https://github.com/acme/web.git"}}`
}

func apiJSON(t *testing.T, env *beratest.Env, method, path, body string, out any) int {
	req, _ := http.NewRequest(method, env.APIURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.AdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
	return resp.StatusCode
}

func sampleFiles(t *testing.T, name string) map[string]string {
	dir := filepath.Join("..", "testdata", "apps", name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func tarGz(t *testing.T, prefix string, files map[string]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: prefix, Mode: 0o755, Typeflag: tar.TypeDir})
	for name, content := range files {
		tw.WriteHeader(&tar.Header{Name: prefix + name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	gz.Close()
	return buf.Bytes()
}
