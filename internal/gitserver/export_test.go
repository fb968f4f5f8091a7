package gitserver

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// gitIn runs git in dir (a bare repository) with stdin and returns its trimmed output.
func gitIn(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commitTree makes a commit of a hand-written tree in repo. Each entry is "MODE NAME BODY":
// mode 100644/100755 a file, 120000 a symlink whose target is BODY, 040000 a subtree given as
// nested entries separated by "|" ("040000 a 100644 x pwned").
func commitTree(t *testing.T, repo string, entries ...string) string {
	t.Helper()
	return gitIn(t, repo, "", "commit-tree", "-m", "test", mkTree(t, repo, entries))
}

func mkTree(t *testing.T, repo string, entries []string) string {
	t.Helper()
	var lines strings.Builder
	for _, e := range entries {
		mode, rest, _ := strings.Cut(e, " ")
		name, body, _ := strings.Cut(rest, " ")
		kind, sha := "blob", ""
		if mode == "040000" {
			kind, sha = "tree", mkTree(t, repo, strings.Split(body, "|"))
		} else {
			sha = gitIn(t, repo, body, "hash-object", "-w", "--stdin")
		}
		lines.WriteString(mode + " " + kind + " " + sha + "\t" + name + "\n")
	}
	return gitIn(t, repo, lines.String(), "mktree")
}

// TestExportRefusesLinksOut exports pushed trees with the real git: in-tree links work; a link
// leaving the tree is refused and named, and nothing is written outside the export.
func TestExportRefusesLinksOut(t *testing.T) {
	beratest.Require(t, "git", "apt-get install git")
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	os.WriteFile(secret, []byte("HOST-SECRET"), 0o600)
	repo := filepath.Join(t.TempDir(), "app.git")
	gitIn(t, t.TempDir(), "", "init", "--quiet", "--bare", repo)
	s := &Server{log: slog.New(slog.DiscardHandler)}
	for _, tt := range []struct {
		name    string
		entries []string
		want    string // "" for a successful export
	}{
		{"InTreeLinks", []string{"100644 Procfile.real web: ./s", "120000 Procfile Procfile.real", "040000 d 120000 up ../Procfile.real"}, ""},
		{"ProcfileAbsolute", []string{"120000 Procfile " + secret}, "Push rejected: Procfile is a link that leaves the source tree."},
		{"ProcfileClimbs", []string{"120000 Procfile ../../../../../../../../.." + secret}, "Push rejected: Procfile is a link that leaves the source tree."},
		{"AppJSONInDir", []string{"040000 cfg 120000 app.json ../../x"}, "Push rejected: cfg/app.json is a link that leaves the source tree."},
		// A link and a directory of the same name: writing a/x must not go through the link.
		{"LinkThenDir", []string{"120000 a ../../../../../../../../.." + outside, "040000 a 100644 planted pwned"}, "Push rejected"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			commit := commitTree(t, repo, tt.entries...)
			dir := t.TempDir()
			err := s.export(t.Context(), repo, commit, nil, dir)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("export: %v", err)
				}
				for _, name := range []string{"Procfile", "d/up"} {
					if b, err := os.ReadFile(filepath.Join(dir, name)); string(b) != "web: ./s" {
						t.Errorf("%s = %q, %v; want the in-tree file through the link", name, b, err)
					}
				}
				return
			}
			var out bytes.Buffer
			if code := s.exportFailed(&push{}, err, &out); err == nil || code != 1 || !strings.Contains(out.String(), tt.want) {
				t.Errorf("export = %v; hook said %q (exit %d), want %q", err, out.String(), code, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a refused export left %d entries", len(entries))
			}
			if _, err := os.Stat(filepath.Join(outside, "planted")); err == nil {
				t.Error("the export wrote outside its directory")
			}
		})
	}
}
