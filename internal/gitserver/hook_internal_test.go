package gitserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/beratest"
)

// deployFunc is a Deployer made of a function.
type deployFunc func(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error

func (f deployFunc) Deploy(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error {
	return f(ctx, app, user, src, out)
}

// hookServer serves the real hook endpoint of a Server whose deploys run d, with one push
// in progress on a bare repository holding one commit. It returns the hook URL, the push's
// token and the commit.
func hookServer(t *testing.T, d bera.Deployer) (url, token, commit string) {
	t.Helper()
	beratest.Require(t, "git", "apt-get install git")
	repo := filepath.Join(t.TempDir(), "app.git")
	gitIn(t, t.TempDir(), "", "init", "--quiet", "--bare", repo)
	commit = commitTree(t, repo, "100644 Procfile web: ./s")
	s := New(Config{Deployer: d, Logger: slog.New(slog.DiscardHandler)})
	token, forget := s.register(&push{app: &bera.App{ID: "a1", Name: "shop"}, user: &bera.User{ID: "u1"}, repo: repo, ctx: t.Context()})
	t.Cleanup(forget)
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/internal/git-hook", token, commit
}

func noEnv(string) (string, bool) { return "", false }

func TestRunHook(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var got bera.Source
		url, token, commit := hookServer(t, deployFunc(func(_ context.Context, app *bera.App, _ *bera.User, src bera.Source, out io.Writer) error {
			got = src
			fmt.Fprintf(out, "-----> Building %s\n", app.Name)
			return nil
		}))
		var out bytes.Buffer
		refs := strings.NewReader(strings.Repeat("0", 40) + " " + commit + " refs/heads/main\n")
		if code := RunHook(t.Context(), url, token, noEnv, refs, &out); code != 0 {
			t.Fatalf("exit %d, want 0; output:\n%s", code, out.String())
		}
		if got, want := out.String(), "-----> Building shop\n"; got != want {
			t.Errorf("output %q, want %q", got, want)
		}
		if got.Commit != commit || got.Ref != "refs/heads/main" {
			t.Errorf("deployed %+v, want commit %s of refs/heads/main", got, commit)
		}
	})
	t.Run("ErrDeployFailed", func(t *testing.T) {
		url, token, commit := hookServer(t, deployFunc(func(context.Context, *bera.App, *bera.User, bera.Source, io.Writer) error {
			return bera.Errorf(bera.EInvalid, "No buildpack detected.")
		}))
		var out bytes.Buffer
		refs := strings.NewReader(strings.Repeat("0", 40) + " " + commit + " refs/heads/main\n")
		if code := RunHook(t.Context(), url, token, noEnv, refs, &out); code != 1 || !strings.Contains(out.String(), "Push rejected: No buildpack detected.") {
			t.Errorf("exit %d output %q, want 1 and the rejection", code, out.String())
		}
	})
	t.Run("ErrOtherBranch", func(t *testing.T) {
		url, token, commit := hookServer(t, deployFunc(func(context.Context, *bera.App, *bera.User, bera.Source, io.Writer) error {
			return errors.New("deployed a branch that does not deploy")
		}))
		var out bytes.Buffer
		refs := strings.NewReader(strings.Repeat("0", 40) + " " + commit + " refs/heads/dev\n")
		if code := RunHook(t.Context(), url, token, noEnv, refs, &out); code != 1 || !strings.Contains(out.String(), "only main or master deploy") {
			t.Errorf("exit %d output %q, want 1 and the branch refused", code, out.String())
		}
	})
	t.Run("ErrUnknownToken", func(t *testing.T) {
		url, _, _ := hookServer(t, nil)
		var out bytes.Buffer
		if code := RunHook(t.Context(), url, "forged", noEnv, strings.NewReader(""), &out); code != 1 || out.String() != "The Bera server refused the deploy: 403 Forbidden\n" {
			t.Errorf("exit %d output %q, want 1 and the refusal", code, out.String())
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		var out bytes.Buffer
		if code := RunHook(t.Context(), srv.URL+"/internal/git-hook", "t", noEnv, strings.NewReader(""), &out); code != 1 || !strings.HasPrefix(out.String(), "Could not reach the Bera server to deploy:") {
			t.Errorf("exit %d output %q, want 1 and the server unreachable", code, out.String())
		}
	})
	t.Run("ConnectionLost", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "-----> Building\n") // and no exit marker
		}))
		t.Cleanup(srv.Close)
		var out bytes.Buffer
		if code := RunHook(t.Context(), srv.URL, "t", noEnv, strings.NewReader(""), &out); code != 1 || !strings.Contains(out.String(), "Connection to the Bera server was lost during the deploy.") {
			t.Errorf("exit %d output %q, want 1 and the connection lost", code, out.String())
		}
	})
}

// TestRunHook_SendsQuarantine checks the request the hook sends: refs and the quarantine
// variables only.
func TestRunHook_SendsQuarantine(t *testing.T) {
	var got HookRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &got); err != nil {
			t.Error(err)
		}
		fmt.Fprintf(w, "%s0\n", ExitMarker)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"GIT_QUARANTINE_PATH": "/q", "GIT_OBJECT_DIRECTORY": "/o", "HOME": "/root"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	refs := strings.NewReader("a b refs/heads/main\nmalformed line\n")
	if code := RunHook(t.Context(), srv.URL, "tok", lookup, refs, io.Discard); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	if got.Token != "tok" || len(got.Refs) != 1 || got.Refs[0] != (RefUpdate{Old: "a", New: "b", Ref: "refs/heads/main"}) {
		t.Errorf("request %+v, want token tok and one ref", got)
	}
	if len(got.Env) != 2 || got.Env["GIT_QUARANTINE_PATH"] != "/q" || got.Env["GIT_OBJECT_DIRECTORY"] != "/o" {
		t.Errorf("env %v, want the two quarantine variables only", got.Env)
	}
}

func FuzzParseRefUpdates(f *testing.F) {
	f.Add("0000 1111 refs/heads/main\n")
	f.Add("a b c d\n\n x y z \r\n")
	f.Fuzz(func(t *testing.T, in string) {
		for _, u := range ParseRefUpdates(strings.NewReader(in)) {
			if u.Old == "" || u.New == "" || u.Ref == "" || strings.ContainsAny(u.Ref, " \t\n") {
				t.Errorf("bad update %+v from %q", u, in)
			}
		}
	})
}
