package buildrun

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kingvon-ke/bera/internal/build"
)

// prepareLayers readies each layered mount of s (build.Mount.Lower set) for an overlay: its
// mount point, its Upper (the app's layer, adopting a plain cache left at Path by earlier
// builds) and a fresh work directory for this step, which it returns by Path.
//
// Upper's top directory belongs to the build uid; its subdirectories to root with mode
// 01777, like the lower layer's, so the build can add entries everywhere but cannot remove
// the machine's (the Go cache's trimming would otherwise hide them in the app's view).
// Nothing here follows a symbolic link a build may have left.
func (r *Runner) prepareLayers(id string, s build.Step) (map[string]string, error) {
	work := map[string]string{}
	for _, m := range s.Mounts {
		if m.Lower == "" {
			continue
		}
		if m.Upper == "" {
			return work, errors.New("layered mount " + m.Path + " has no upper layer")
		}
		if err := os.MkdirAll(filepath.Dir(m.Upper), 0o700); err != nil {
			return work, err
		}
		if err := adoptPlainCache(m.Path, m.Upper, r.cfg.UID); err != nil {
			return work, err
		}
		if err := os.Mkdir(m.Upper, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return work, err
		}
		if err := os.Lchown(m.Upper, r.cfg.UID, r.cfg.UID); err != nil {
			return work, err
		}
		if err := sealSubdirs(m.Upper); err != nil {
			return work, err
		}
		w := filepath.Join(filepath.Dir(m.Upper), "."+filepath.Base(m.Upper)+".work-"+id)
		if err := os.Mkdir(w, 0o700); err != nil {
			return work, err
		}
		work[m.Path] = w
		if err := os.MkdirAll(m.Path, 0o755); err != nil {
			return work, err
		}
	}
	return work, nil
}

// adoptPlainCache moves a non-empty plain directory at path (an app's cache from before
// layering, or from the process runtime) to upper when upper does not exist yet.
func adoptPlainCache(path, upper string, uid int) error {
	if _, err := os.Lstat(upper); err == nil {
		return nil
	}
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return nil
	}
	if ents, _ := os.ReadDir(path); len(ents) == 0 {
		return nil
	}
	if err := os.Rename(path, upper); err != nil {
		return err
	}
	return chownTree(upper, uid)
}

// sealSubdirs gives upper's real subdirectories to root with mode 01777.
func sealSubdirs(upper string) error {
	ents, err := os.ReadDir(upper)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.IsDir() { // DirEntry types come from Lstat: links are not directories
			continue
		}
		p := filepath.Join(upper, e.Name())
		if err := os.Lchown(p, 0, 0); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o777|os.ModeSticky); err != nil {
			return err
		}
	}
	return nil
}
