package srctree_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kingvon-ke/bera/internal/srctree"
)

// secret is the content of a file outside every tree, readable only by its owner.
const secret = "root:SECRET-HASH-do-not-leak:19000:0:99999:7:::"

// outsideFile writes a 0600 secret file next to (not inside) the tree and returns its path.
func outsideFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "shadow")
	if err := os.WriteFile(p, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tree makes a source tree with in-tree and escaping links.
func tree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	outside := outsideFile(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "deploy", "sub"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "deploy", "Procfile"), []byte("web: ./server\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "big"), []byte(strings.Repeat("x", 100)), 0o644))
	must(os.Symlink("deploy/Procfile", filepath.Join(dir, "inlink")))
	must(os.Symlink("../Procfile", filepath.Join(dir, "deploy", "sub", "up")))
	must(os.Symlink("deploy", filepath.Join(dir, "dirlink")))
	must(os.Symlink(outside, filepath.Join(dir, "abs")))
	rel, _ := filepath.Rel(dir, outside)
	must(os.Symlink(rel, filepath.Join(dir, "climb")))
	must(os.Symlink("deploy/../..", filepath.Join(dir, "parent")))
	must(os.Symlink("loop", filepath.Join(dir, "loop")))
	must(os.Symlink("missing", filepath.Join(dir, "dangling")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	return dir
}

func TestReadFile(t *testing.T) {
	dir := tree(t)
	for _, tt := range []struct {
		name string
		want string // content, or "" for an error
		err  error
		msg  string
	}{
		{name: "deploy/Procfile", want: "web: ./server\n"},
		{name: "inlink", want: "web: ./server\n"},
		{name: "deploy/sub/up", want: "web: ./server\n"},
		{name: "dirlink/Procfile", want: "web: ./server\n"},
		{name: "abs", err: srctree.ErrLeavesTree, msg: "abs is a link that leaves the source tree."},
		{name: "climb", err: srctree.ErrLeavesTree, msg: "climb is a link that leaves the source tree."},
		{name: "parent/etc", err: srctree.ErrLeavesTree},
		{name: "loop", err: srctree.ErrLeavesTree},
		{name: "dangling", err: fs.ErrNotExist},
		{name: "nothing", err: fs.ErrNotExist},
		{name: "../shadow", err: srctree.ErrLeavesTree},
		{name: "deploy", err: srctree.ErrNotRegular, msg: "deploy is not a regular file."},
		{name: "fifo", err: srctree.ErrNotRegular},
		{name: "big", err: srctree.ErrTooLarge, msg: "big is larger than the limit of 64 bytes."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := srctree.ReadFile(dir, tt.name, 64)
			if strings.Contains(string(b), "SECRET") || (err != nil && strings.Contains(err.Error(), "SECRET")) {
				t.Fatalf("secret leaked: %q %v", b, err)
			}
			if tt.err == nil {
				if err != nil || string(b) != tt.want {
					t.Fatalf("got %q, %v; want %q", b, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("got %q, %v; want an error wrapping %v", b, err, tt.err)
			}
			if tt.msg != "" && err.Error() != tt.msg {
				t.Errorf("message %q, want %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestFindLeavingLink(t *testing.T) {
	dir := tree(t)
	got, err := srctree.FindLeavingLink(dir)
	if err != nil || got != "abs" {
		t.Fatalf("FindLeavingLink = %q, %v; want abs", got, err)
	}
	clean := t.TempDir()
	os.MkdirAll(filepath.Join(clean, "a", "b"), 0o755)
	os.Symlink("../../x", filepath.Join(clean, "a", "b", "up"))
	os.Symlink("a/b/up", filepath.Join(clean, "chain"))
	if got, err := srctree.FindLeavingLink(clean); err != nil || got != "" {
		t.Fatalf("in-tree links: FindLeavingLink = %q, %v; want none", got, err)
	}
	os.Symlink("a/b/up/../..", filepath.Join(clean, "z"))
	if got, err := srctree.FindLeavingLink(clean); err != nil || got != "z" {
		t.Fatalf("FindLeavingLink = %q, %v; want z", got, err)
	}
}

// FuzzLeaves checks Leaves against os.Root: whenever the root refuses a name as escaping,
// Leaves must say so (the build output relies on it to name the link).
func FuzzLeaves(f *testing.F) {
	for _, s := range []string{"a", "../x", "/etc/shadow", "d/../..", "d/l", "l/../../x", "./."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		if target == "" || strings.ContainsRune(target, 0) || len(target) > 200 {
			return
		}
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "d", "e"), 0o755)
		os.Symlink("e", filepath.Join(dir, "d", "l"))
		if err := os.Symlink(target, filepath.Join(dir, "link")); err != nil {
			return
		}
		r, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		_, err = r.Stat("link")
		escaped := err != nil && strings.Contains(err.Error(), "escapes")
		if escaped && !srctree.Leaves(r.FS().(fs.ReadLinkFS), "link") {
			t.Fatalf("os.Root refuses link -> %q as escaping, Leaves says it stays", target)
		}
	})
}
