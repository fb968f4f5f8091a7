// Package srctree reads files inside a directory tree the server does not trust: an app's
// source, a build's compiled /app, a buildpack. Every read goes through an os.Root, so a
// symbolic link is followed only while it stays inside the tree. A link that leaves it (an
// absolute link, or one that climbs out with "..") is never followed: the read fails with an
// error wrapping ErrLeavesTree.
//
// What Bera does with links in an app's tree:
//
//   - A relative link that resolves inside the tree works, as it does in git: the build reads
//     through it (a Procfile linked to deploy/Procfile is fine) and the slug stores it as a
//     link.
//   - A link that leaves the tree is never followed by the server. A source tree holding one
//     is refused before it is built, naming the link (see FindLeavingLink); a file the server
//     reads after the buildpacks ran (Procfile, app.json, .slugignore) that is such a link
//     fails the build with "Procfile is a link that leaves the source tree.".
//   - A link a buildpack leaves in the compiled app is packed into the slug as a link; its
//     target is never read.
package srctree

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// Errors wrapped by the functions of this package.
var (
	// ErrLeavesTree: the name is, or goes through, a link that resolves outside the tree.
	ErrLeavesTree = errors.New("is a link that leaves the source tree")
	// ErrNotRegular: the name is a directory, FIFO, socket or device, not a file.
	ErrNotRegular = errors.New("is not a regular file")
	// ErrTooLarge: the file is larger than the caller's limit.
	ErrTooLarge = errors.New("is larger than the limit")
)

// maxLinkHops bounds link resolution, like the kernel's ELOOP limit.
const maxLinkHops = 40

// Error is a failed read of one name in a tree. Its message is a sentence fit for build
// output ("Procfile is a link that leaves the source tree."), without host paths.
type Error struct {
	Name  string // slash path relative to the tree
	Err   error  // ErrLeavesTree, ErrNotRegular, ErrTooLarge or an I/O error
	Limit int64  // the size limit, with ErrTooLarge
}

// Error implements error.
func (e *Error) Error() string {
	switch {
	case errors.Is(e.Err, ErrTooLarge):
		return fmt.Sprintf("%s is larger than the limit of %s.", e.Name, Size(e.Limit))
	case errors.Is(e.Err, ErrLeavesTree), errors.Is(e.Err, ErrNotRegular):
		return fmt.Sprintf("%s %v.", e.Name, e.Err)
	}
	return fmt.Sprintf("%s could not be read.", e.Name)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Size renders a byte count as build output does ("1 MB", "512 KB", "12 bytes").
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads the regular file name (a slash path relative to dir) inside dir, at most max
// bytes. A missing file gives an error wrapping fs.ErrNotExist; otherwise a failure is an
// *Error wrapping ErrLeavesTree, ErrNotRegular, ErrTooLarge or the I/O error.
func ReadFile(dir, name string, max int64) ([]byte, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadFileIn(r, name, max)
}

// ReadFileIn is ReadFile in an open root.
func ReadFileIn(r *os.Root, name string, max int64) ([]byte, error) {
	f, _, err := Open(r, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, &Error{Name: name, Err: err}
	}
	if int64(len(b)) > max {
		return nil, &Error{Name: name, Err: ErrTooLarge, Limit: max}
	}
	return b, nil
}

// Open opens the regular file name inside r for reading and returns it with the FileInfo of
// the open file (so size and mode describe what will be read, even if the name changes
// meanwhile). Errors are as ReadFile's. It never blocks on a FIFO.
func Open(r *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := r.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		switch {
		case Leaves(r.FS().(fs.ReadLinkFS), name):
			return nil, nil, &Error{Name: name, Err: ErrLeavesTree}
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, err
		}
		return nil, nil, &Error{Name: name, Err: err}
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = ErrNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, &Error{Name: name, Err: err}
	}
	return f, fi, nil
}

// Leaves reports whether resolving name (a slash path relative to the root of fsys) leaves
// the tree, following every link on the way as the kernel would with the tree as "/", except
// that an absolute link, a ".." above the root and a loop all count as leaving. It reads
// only links and directory entries, never file contents. A name that does not exist does not
// leave.
func Leaves(fsys fs.ReadLinkFS, name string) bool {
	pending := strings.Split(name, "/")
	var stack []string
	for hops := 0; len(pending) > 0; {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return true
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, c)
		p := path.Join(stack...)
		fi, err := fsys.Lstat(p)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			continue
		}
		if hops++; hops > maxLinkHops {
			return true
		}
		t, err := fsys.ReadLink(p)
		if err != nil || strings.HasPrefix(t, "/") {
			return true
		}
		stack = stack[:len(stack)-1]
		pending = append(strings.Split(t, "/"), pending...)
	}
	return false
}

// FindLeavingLink walks the tree at dir without following links and returns the slash path
// of the first link (in lexical order) that resolves outside it, or "" when there is none.
func FindLeavingLink(dir string) (string, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return "", err
	}
	defer r.Close()
	fsys := r.FS().(fs.ReadLinkFS)
	found := ""
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 && Leaves(fsys, p) {
			found = p
			return fs.SkipAll
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("check links in %s: %w", dir, err)
	}
	return found, nil
}
