package slug

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/kingvon-ke/bera/internal/srctree"
)

// ErrUnsafe is wrapped by Extract's error when an archive tries to leave its directory or
// holds an entry kind it must not create (device, FIFO, absolute or escaping link).
var ErrUnsafe = errors.New("unsafe archive entry")

// ErrTooLarge is wrapped by Extract's error when an archive exceeds its Limits.
var ErrTooLarge = errors.New("archive exceeds limits")

// Limits caps what Extract may create. Zero fields take the value from DefaultLimits.
type Limits struct {
	// MaxBytes caps the sum of the sizes of all regular files.
	MaxBytes int64
	// MaxEntries caps the number of archive entries.
	MaxEntries int
}

// DefaultLimits are generous for a slug (Heroku caps compressed slugs at 500 MB) but stop
// a decompression bomb from filling the disk.
var DefaultLimits = Limits{MaxBytes: 4 << 30, MaxEntries: 500_000}

// Extract unpacks the tarball read from r (gzip-compressed or plain) into dest, which must
// not exist or be an empty directory. Entry names are taken as they are, so a slug made by
// Pack unpacks to dest/app.
//
// The archive is treated as hostile. Extract refuses (with an error wrapping ErrUnsafe)
// absolute names and names with "..", absolute symlink targets, symlinks whose target
// resolves outside dest, hard links to anything but a regular file already extracted,
// and device, FIFO and other special entries. It strips setuid, setgid and sticky bits,
// ignores owners, never writes through a symlink (symlinks are created last), and stops
// with an error wrapping ErrTooLarge when limits are exceeded. Every write goes through an
// os.Root of dest, so even a bug here cannot create anything outside it. On error it removes
// everything it created under dest.
func Extract(ctx context.Context, r io.Reader, dest string, limits Limits) (err error) {
	limits = limits.withDefaults()
	if err := prepareDest(dest); err != nil {
		return err
	}
	root, err := os.OpenRoot(dest)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	defer root.Close()
	defer func() {
		if err != nil {
			clearDir(root)
		}
	}()
	tr, err := tarReader(r)
	if err != nil {
		return err
	}
	x := &extractor{root: root, limits: limits}
	if err := x.readAll(ctx, tr); err != nil {
		return err
	}
	return x.makeLinks()
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultLimits.MaxEntries
	}
	return l
}

// prepareDest creates dest, or checks that it is an empty real directory.
func prepareDest(dest string) error {
	fi, err := os.Lstat(dest)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dest, 0o755)
	}
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("extract: %s is not a directory", dest)
	}
	entries, err := os.ReadDir(dest)
	if err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("extract: %s is not empty", dest)
	}
	return nil
}

// clearDir removes the root's children, keeping the root.
func clearDir(root *os.Root) {
	entries, _ := fs.ReadDir(root.FS(), ".")
	for _, e := range entries {
		root.RemoveAll(e.Name())
	}
}

// tarReader returns a tar reader over r, decompressing it when it starts with gzip's magic.
func tarReader(r io.Reader) (*tar.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("extract: %w", err)
	}
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return tar.NewReader(br), nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return tar.NewReader(zr), nil
}

// extractor holds the state of one Extract call.
type extractor struct {
	root    *os.Root // dest: every name below is relative to it
	limits  Limits
	entries int
	bytes   int64
	links   []*tar.Header // symlinks, created after every other entry
}

// readAll extracts every entry except symlinks, which it queues.
func (x *extractor) readAll(ctx context.Context, tr *tar.Reader) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("extract: read archive: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if x.entries++; x.entries > x.limits.MaxEntries {
			return fmt.Errorf("extract: more than %d entries: %w", x.limits.MaxEntries, ErrTooLarge)
		}
		if err := x.entry(tr, hdr); err != nil {
			return fmt.Errorf("extract %q: %w", trim(hdr.Name), err)
		}
	}
}

// entry extracts one archive entry.
func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if name == "." {
		return nil
	}
	hdr.Name = name
	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.dir(name, hdr)
	case tar.TypeReg: // archive/tar reports the legacy TypeRegA as TypeReg
		return x.file(tr, name, hdr)
	case tar.TypeLink:
		return x.hardLink(name, hdr)
	case tar.TypeSymlink:
		return x.queueSymlink(hdr)
	case tar.TypeXGlobalHeader:
		return nil // metadata for the whole archive (git archive's commit id), no file
	}
	return fmt.Errorf("entry type %q refused: %w", hdr.Typeflag, ErrUnsafe)
}

// cleanName turns an archive name into a clean relative slash path, refusing absolute
// names and any ".." component.
func cleanName(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("empty or NUL in name: %w", ErrUnsafe)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("absolute name: %w", ErrUnsafe)
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", fmt.Errorf("name with \"..\": %w", ErrUnsafe)
		}
	}
	return path.Clean(name), nil
}

// dir creates a directory, keeping it writable by its owner so extraction can fill it.
func (x *extractor) dir(name string, hdr *tar.Header) error {
	if err := x.root.MkdirAll(name, 0o755); err != nil {
		return err
	}
	return x.root.Chmod(name, os.FileMode(hdr.Mode)&0o777|0o700)
}

// file writes a regular file, replacing any earlier entry of the same name.
func (x *extractor) file(tr *tar.Reader, name string, hdr *tar.Header) error {
	if hdr.Size < 0 || hdr.Size > x.limits.MaxBytes-x.bytes {
		return fmt.Errorf("more than %d bytes: %w", x.limits.MaxBytes, ErrTooLarge)
	}
	x.bytes += hdr.Size
	if err := x.replaceable(name); err != nil {
		return err
	}
	mode := os.FileMode(hdr.Mode) & 0o777
	f, err := x.root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, tr)
	if err == nil {
		err = f.Chmod(mode) // the umask applied at creation
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return x.root.Chtimes(name, hdr.ModTime, hdr.ModTime)
}

// hardLink links name to an already extracted regular file inside the tree.
func (x *extractor) hardLink(name string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil || target == "." {
		return fmt.Errorf("hard link target refused: %w", ErrUnsafe)
	}
	fi, err := x.root.Lstat(target)
	if err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("hard link to a missing or non-regular file: %w", ErrUnsafe)
	}
	if err := x.replaceable(name); err != nil {
		return err
	}
	return x.root.Link(target, name)
}

// queueSymlink checks a symlink's target syntactically and defers its creation.
func (x *extractor) queueSymlink(hdr *tar.Header) error {
	t := hdr.Linkname
	if t == "" || strings.ContainsRune(t, 0) {
		return fmt.Errorf("symlink to %q refused: %w", trim(t), ErrUnsafe)
	}
	if strings.HasPrefix(t, "/") {
		return leavesTree(hdr.Name)
	}
	x.links = append(x.links, hdr)
	return nil
}

// makeLinks creates the queued symlinks, refusing one whose directory resolves outside the
// tree through a link made before it, then checks that each resolves inside the tree as it
// finally stands.
func (x *extractor) makeLinks() error {
	fsys := x.root.FS().(fs.ReadLinkFS)
	for _, hdr := range x.links {
		if srctree.Leaves(fsys, path.Dir(hdr.Name)) {
			return fmt.Errorf("extract: %w", leavesTree(hdr.Name))
		}
		if err := x.replaceable(hdr.Name); err != nil {
			return fmt.Errorf("extract %q: %w", trim(hdr.Name), err)
		}
		if err := x.root.Symlink(hdr.Linkname, hdr.Name); err != nil {
			return fmt.Errorf("extract: %w", err)
		}
	}
	for _, hdr := range x.links {
		if srctree.Leaves(fsys, hdr.Name) {
			return fmt.Errorf("extract: %w", leavesTree(hdr.Name))
		}
	}
	return nil
}

// leavesTree is the error for a symlink whose target leaves the tree: an *srctree.Error
// naming it ("Procfile is a link that leaves the source tree.") that also wraps ErrUnsafe.
func leavesTree(name string) error {
	return fmt.Errorf("%w: %w", &srctree.Error{Name: trim(name), Err: srctree.ErrLeavesTree}, ErrUnsafe)
}

// replaceable makes name's parent directories and removes a non-directory already at name,
// so that name can be created.
func (x *extractor) replaceable(name string) error {
	if err := x.root.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	fi, err := x.root.Lstat(name)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("a directory already has this name: %w", ErrUnsafe)
	}
	return x.root.Remove(name)
}

// trim shortens a name from an archive for an error message.
func trim(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
