package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// ErrHostileEntry is wrapped by every error about a layer entry that unpackLayer refuses:
// one that would leave the layer directory, write through a link, make a device, or needs
// whiteout semantics the store does not implement.
var ErrHostileEntry = errors.New("refused layer entry")

// owner is who the unpacked files belong to; chown says whether to set it (only root can).
type owner struct {
	uid   int
	chown bool
}

// unpackLayer extracts the tar stream r into dir, an empty directory. Every entry is
// checked before anything is written for it: its name must be relative and clean of "..";
// no component above it may be anything but a directory made by this layer (so nothing is
// ever written through a symlink); hard links must name a regular file of this layer;
// device nodes, FIFOs and whiteouts are refused. Setuid, setgid and the owner recorded
// in the tar are dropped: files get mode&01777 and belong to own.uid. All writes go
// through an os.Root on dir as a second fence.
func unpackLayer(r io.Reader, dir string, own owner) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	u := &unpacker{root: root, own: own, dirs: map[string]bool{".": true}, later: map[string]dirMeta{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read layer: %w", err)
		}
		if err := u.entry(h, tr); err != nil {
			return err
		}
	}
	return u.finish()
}

type unpacker struct {
	root *os.Root
	own  owner
	// dirs are the directories this layer made, by clean name: the only parents an entry
	// may have. A name absent from it was never made, or is not a directory.
	dirs map[string]bool
	// later holds the directories' modes and times, set once all entries are written:
	// writing into a directory changes its mtime, and a read-only one could not be filled.
	later map[string]dirMeta
}

type dirMeta struct {
	mode int64
	t    time.Time
}

func hostile(name, why string) error {
	return fmt.Errorf("%w %q: %s", ErrHostileEntry, name, why)
}

// cleanName returns the entry name as a clean relative path, "." for the root.
func cleanName(name string) (string, error) {
	if name == "" {
		return "", hostile(name, "empty name")
	}
	if strings.HasPrefix(name, "/") {
		return "", hostile(name, "absolute path")
	}
	if strings.ContainsRune(name, 0) || strings.Contains(name, "\\") {
		return "", hostile(name, "NUL or backslash in name")
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", hostile(name, "'..' in path")
		}
	}
	return path.Clean(name), nil
}

func (u *unpacker) entry(h *tar.Header, r io.Reader) error {
	if h.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name, err := cleanName(h.Name)
	if err != nil {
		return err
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			// Its holes would be written out as zeros: a small tar could fill the disk.
			return hostile(h.Name, "sparse files are not supported")
		}
	}
	base := path.Base(name)
	if strings.HasPrefix(base, ".wh.") {
		return hostile(h.Name, "whiteouts (files deleted from a lower layer) are not supported")
	}
	if name == "." {
		if h.Typeflag != tar.TypeDir {
			return hostile(h.Name, "the layer root must be a directory")
		}
		u.later["."] = dirMeta{h.Mode, h.ModTime}
		return u.chown(".")
	}
	if err := u.parents(name); err != nil {
		return err
	}
	switch h.Typeflag {
	case tar.TypeDir:
		return u.dir(name, h)
	case tar.TypeReg: // the reader turns old tars' TypeRegA into TypeReg
		return u.file(name, h, r)
	case tar.TypeSymlink:
		return u.symlink(name, h)
	case tar.TypeLink:
		return u.link(name, h)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return hostile(h.Name, "device nodes and FIFOs are not allowed")
	default:
		return hostile(h.Name, fmt.Sprintf("unsupported entry type %q", h.Typeflag))
	}
}

// parents makes sure every directory above name is one this layer made, creating the
// missing ones (tars may omit them). A parent that exists as anything else (a symlink, a
// file) is refused: writing through it could leave the layer.
func (u *unpacker) parents(name string) error {
	dir := path.Dir(name)
	if u.dirs[dir] {
		return nil
	}
	var missing []string
	for d := dir; !u.dirs[d]; d = path.Dir(d) {
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		fi, err := u.root.Lstat(d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := u.mkdir(d); err != nil {
				return err
			}
			u.later[d] = dirMeta{0o755, time.Unix(0, 0)}
		case err != nil:
			return err
		default:
			return hostile(name, fmt.Sprintf("parent %s is a %s, not a directory of this layer", d, kind(fi.Mode())))
		}
		u.dirs[d] = true
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

func (u *unpacker) mkdir(name string) error {
	if err := u.root.Mkdir(name, 0o700); err != nil {
		return err
	}
	return u.chown(name)
}

// setMode sets the permission and sticky bits (never setuid or setgid) and the owner.
func (u *unpacker) setMode(name string, mode int64) error {
	perm := fs.FileMode(mode & 0o777)
	if mode&0o1000 != 0 {
		perm |= fs.ModeSticky
	}
	if err := u.root.Chmod(name, perm); err != nil {
		return err
	}
	return u.chown(name)
}

func (u *unpacker) chown(name string) error {
	if !u.own.chown {
		return nil
	}
	return u.root.Lchown(name, u.own.uid, u.own.uid)
}

func (u *unpacker) dir(name string, h *tar.Header) error {
	fi, err := u.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := u.mkdir(name); err != nil {
			return err
		}
	case err != nil:
		return err
	case !fi.IsDir() || !u.dirs[name]:
		return hostile(h.Name, fmt.Sprintf("directory replaces a %s", kind(fi.Mode())))
	}
	u.dirs[name] = true
	u.later[name] = dirMeta{h.Mode, h.ModTime}
	return nil
}

// replace removes what an earlier entry left at name, so a new entry never writes into
// it (a regular file may be another name's hard link). It refuses to replace a directory.
func (u *unpacker) replace(name string) error {
	fi, err := u.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return hostile(name, "replaces a directory")
	}
	return u.root.Remove(name)
}

func (u *unpacker) file(name string, h *tar.Header, r io.Reader) error {
	if err := u.replace(name); err != nil {
		return err
	}
	f, err := u.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := u.setMode(name, h.Mode); err != nil {
		return err
	}
	return u.root.Chtimes(name, h.ModTime, h.ModTime)
}

// symlink makes a symlink with any target: it is only ever resolved inside the dyno,
// where an absolute target means the container's root. The unpacker never follows it
// (parents refuses it as a parent; link refuses it as a target).
func (u *unpacker) symlink(name string, h *tar.Header) error {
	if h.Linkname == "" || strings.ContainsRune(h.Linkname, 0) {
		return hostile(h.Name, "empty symlink target")
	}
	if err := u.replace(name); err != nil {
		return err
	}
	if err := u.root.Symlink(h.Linkname, name); err != nil {
		return err
	}
	return u.chown(name)
}

// link makes a hard link to a regular file this layer already holds.
func (u *unpacker) link(name string, h *tar.Header) error {
	target, err := cleanName(h.Linkname)
	if err != nil {
		return hostile(h.Name, "hard link target: "+err.Error())
	}
	if !u.dirs[path.Dir(target)] {
		return hostile(h.Name, fmt.Sprintf("hard link target %s is not in a directory of this layer", h.Linkname))
	}
	fi, err := u.root.Lstat(target)
	if err != nil {
		return hostile(h.Name, fmt.Sprintf("hard link target %s is not a file of this layer", h.Linkname))
	}
	if !fi.Mode().IsRegular() {
		return hostile(h.Name, fmt.Sprintf("hard link target %s is a %s", h.Linkname, kind(fi.Mode())))
	}
	if target == name {
		return nil
	}
	if err := u.replace(name); err != nil {
		return err
	}
	return u.root.Link(target, name)
}

// finish sets the directories' modes and times (neither changes the parent's mtime, so
// the order does not matter).
func (u *unpacker) finish() error {
	for name, m := range u.later {
		if err := u.setMode(name, m.mode); err != nil {
			return err
		}
		if err := u.root.Chtimes(name, m.t, m.t); err != nil {
			return err
		}
	}
	return nil
}
