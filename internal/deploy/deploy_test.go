package deploy_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// hostSecret stands for /etc/shadow: a 0600 file outside the pushed tree.
const hostSecret = "root:HOST-SECRET-HASH:19000:0:99999:7:::"

// harness is a Deployer on a real SQLite store and slug directory, with one app whose
// buildpack is a local script (so builds take milliseconds).
type harness struct {
	cfg  deploy.Config // d's
	st   *store.Store
	d    *deploy.Deployer
	app  *bera.App
	user *bera.User
}

func newHarness(t *testing.T, compile string) *harness {
	t.Helper()
	st := storetest.OpenSQLite(t)
	slugs, err := slugfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pack := t.TempDir()
	os.MkdirAll(filepath.Join(pack, "bin"), 0o755)
	os.WriteFile(filepath.Join(pack, "bin", "detect"), []byte("#!/bin/sh\necho Test\n"), 0o755)
	os.WriteFile(filepath.Join(pack, "bin", "compile"), []byte("#!/bin/sh\nset -e\n"+compile+"\n"), 0o755)
	user := &bera.User{Email: "dev@example.com"}
	if err := st.CreateUser(t.Context(), user); err != nil {
		t.Fatal(err)
	}
	app := &bera.App{Name: "linky", OwnerID: user.ID, Stack: bera.DefaultStack, BuildStack: bera.DefaultStack, Buildpacks: []string{pack}}
	if _, err := st.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	cfg := deploy.Config{Store: st, Slugs: slugs, DataDir: t.TempDir(), AllowLocalBuildpacks: true}
	return &harness{cfg: cfg, st: st, d: deploy.New(cfg), app: app, user: user}
}

// deploy runs one deploy of the tree files (name → content; "-> target" makes a symlink).
func (h *harness) deploy(t *testing.T, files map[string]string) (string, error) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	for name, body := range files {
		p := filepath.Join(src, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		var err error
		if target, ok := strings.CutPrefix(body, "-> "); ok {
			err = os.Symlink(target, p)
		} else {
			err = os.WriteFile(p, []byte(body), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	err := h.d.Deploy(t.Context(), h.app, h.user, bera.Source{Dir: src, Commit: "0123456789abcdef", Ref: "refs/heads/main"}, &out)
	return out.String(), err
}

// formation renders the app's formation (types and commands).
func (h *harness) formation(t *testing.T) string {
	t.Helper()
	fs, err := h.st.ListFormation(t.Context(), h.app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s=%s;", f.Type, f.Command)
	}
	return b.String()
}

func secretFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(p, []byte("web: "+hostSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDeployRefusesLinksOut: a Procfile or app.json that is a link to a host file fails the
// deploy with a one-line message; the file's content is nowhere: not in the output, the
// error or the formation.
func TestDeployRefusesLinksOut(t *testing.T) {
	secret := secretFile(t)
	for _, name := range []string{"Procfile", "app.json"} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, "true")
			files := map[string]string{"Procfile": "web: ./server\n", name: "-> " + secret}
			out, err := h.deploy(t, files)
			want := name + " is a link that leaves the source tree."
			if bera.ErrorMessage(err) != want {
				t.Fatalf("Deploy = %v (%q), want %q:\n%s", err, bera.ErrorMessage(err), want, out)
			}
			if !strings.Contains(out, " !     "+want) {
				t.Errorf("output does not say %q:\n%s", want, out)
			}
			form := h.formation(t)
			for where, s := range map[string]string{"output": out, "error": err.Error(), "formation": form} {
				if strings.Contains(s, "HOST-SECRET") {
					t.Errorf("the host file leaked into the %s: %s", where, s)
				}
			}
			if strings.Contains(form, "web=") {
				t.Errorf("formation %q changed by a refused deploy", form)
			}
		})
	}
}

// TestDeployRelativeLinkOut: a link climbing out of the tree with ".." is refused the same way.
func TestDeployRelativeLinkOut(t *testing.T) {
	h := newHarness(t, "true")
	out, err := h.deploy(t, map[string]string{"Procfile": "-> ../../../../../../../../../../etc/shadow"})
	if bera.ErrorMessage(err) != "Procfile is a link that leaves the source tree." {
		t.Fatalf("Deploy = %v:\n%s", err, out)
	}
}

// TestDeployOutputSaidOnce: the build's headings appear once each in a deploy's output.
func TestDeployOutputSaidOnce(t *testing.T) {
	h := newHarness(t, "true")
	out, err := h.deploy(t, map[string]string{"Procfile": "web: ./server\n", "deploy/app.json": "{}", "app.json": "-> deploy/app.json"})
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, out)
	}
	for _, line := range []string{"-----> Building on the heroku-24 stack", "-----> Discovering process types", "-----> Compressing...", "       Done: ", "Released v2"} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("%q appears %d times, want once:\n%s", line, n, out)
		}
	}
	if got := h.formation(t); got != "web=./server;" {
		t.Errorf("formation %q, want web=./server", got)
	}
}

// TestDeployFailureSaidOnce: a failed build's message does not say "Build failed" itself, so
// the callers' frame ("Build failed: …", "Push rejected: …") is not doubled.
func TestDeployFailureSaidOnce(t *testing.T) {
	h := newHarness(t, "exit 3")
	out, err := h.deploy(t, map[string]string{"Procfile": "web: ./server\n"})
	if err == nil {
		t.Fatalf("Deploy succeeded:\n%s", out)
	}
	if msg := bera.ErrorMessage(err); strings.Contains(strings.ToLower(msg), "build failed") || msg != "The app failed to compile." {
		t.Errorf("message %q, want \"The app failed to compile.\" without a \"Build failed\" prefix", msg)
	}
}
