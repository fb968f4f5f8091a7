package build

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/buildpacks"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// BuiltinName returns the built-in buildpack a spec names, if any: "go", "heroku/go",
// "bera/go" and the GitHub URL of Heroku's classic buildpack for the same language all
// name the built-in "go" (Bera builds offline, so Heroku's well-known URLs map to its own).
func BuiltinName(spec string) (string, bool) {
	s := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(spec)), "/")
	s = strings.TrimSuffix(s, ".git")
	for _, prefix := range []string{"heroku/", "bera/", "https://github.com/heroku/heroku-buildpack-", "http://github.com/heroku/heroku-buildpack-"} {
		s = strings.TrimPrefix(s, prefix)
	}
	if s == "node" {
		s = "nodejs"
	}
	for _, n := range buildpacks.Names {
		if s == n {
			return n, true
		}
	}
	return "", false
}

// MaterializeBuiltin writes the built-in buildpack name into dir (created if missing),
// with the programs in bin/ executable.
func MaterializeBuiltin(name, dir string) error {
	sub, err := fs.Sub(buildpacks.FS, name)
	if err != nil {
		return fmt.Errorf("materialize buildpack %s: %w", name, err)
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if path.Dir(p) == "bin" {
			mode = 0o755
		}
		return os.WriteFile(dst, b, mode)
	})
	if err != nil {
		return fmt.Errorf("materialize buildpack %s: %w", name, err)
	}
	return nil
}

// isGitURL reports whether spec should be fetched with git clone.
func isGitURL(spec string) bool {
	return strings.Contains(spec, "://") || strings.HasPrefix(spec, "git@")
}

// fetchBuildpack makes the buildpack named by spec available in dir: a built-in is
// materialized, a git URL (optionally "#ref") is cloned with depth 1, a local directory is
// copied. Output from git goes to out.
func fetchBuildpack(ctx context.Context, spec, dir string, out io.Writer) error {
	if name, ok := BuiltinName(spec); ok {
		return MaterializeBuiltin(name, dir)
	}
	if isGitURL(spec) {
		return cloneBuildpack(ctx, spec, dir, out)
	}
	if filepath.IsAbs(spec) {
		if fi, err := os.Stat(spec); err == nil && fi.IsDir() {
			return copyTree(spec, dir)
		}
	}
	return bera.Errorf(bera.EInvalid, "Unknown buildpack %q: use a built-in name (%s), a git URL or a directory.", spec, strings.Join(buildpacks.Names, ", "))
}

// cloneBuildpack runs git clone --depth 1 for url[#ref] into dir.
func cloneBuildpack(ctx context.Context, spec, dir string, out io.Writer) error {
	url, ref, _ := strings.Cut(spec, "#")
	args := []string{"clone", "--quiet", "--depth", "1"}
	if ref != "" {
		args = append(args, "--branch", ref)
	}
	args = append(args, "--", url, dir)
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(out, " !     git clone %s failed: %s\n", url, strings.TrimSpace(stderr.String()))
		return fmt.Errorf("clone buildpack %s: %w: %w", url, ErrBuildpackFetch, err)
	}
	return nil
}

// copyTree copies the directory src to dst: directories, regular files and symlinks (as
// links, whatever they point to). It reads src through an os.Root, so nothing outside src is
// ever read, even if src changes while it is copied.
func copyTree(src, dst string) error {
	r, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer r.Close()
	return fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dst, filepath.FromSlash(p))
		info, err := r.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := r.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			return copyFileIn(r, p, target)
		}
		return nil
	})
}

// copyFileIn copies the regular file name inside r to the host path target.
func copyFileIn(r *os.Root, name, target string) error {
	f, info, err := srctree.Open(r, name)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(w, f)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
