package cnb

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// normalizedTime is the mtime of every exported file, as in the reference
// lifecycle, so the same build yields the same layer digests.
var normalizedTime = time.Date(1980, time.January, 1, 0, 0, 1, 0, time.UTC)

// owner is the uid/gid of exported files (the CNB user).
type owner struct{ uid, gid int }

// writeTarLayer writes a layer tar to w holding the tree at src under the
// image path dest, with dest's parent directories first.
func writeTarLayer(w io.Writer, src, dest string, own owner) error {
	tw := tar.NewWriter(w)
	if err := writeParents(tw, dest, own); err != nil {
		return err
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		return writeEntry(tw, p, path.Join(dest, filepath.ToSlash(rel)), d, own)
	})
	if err != nil {
		return fmt.Errorf("layer %s: %w", dest, err)
	}
	return tw.Close()
}

// writeParents writes directory entries for every parent of dest.
func writeParents(tw *tar.Writer, dest string, own owner) error {
	parts := strings.Split(strings.Trim(dest, "/"), "/")
	for i := 1; i < len(parts); i++ {
		h := &tar.Header{
			Typeflag: tar.TypeDir, Name: strings.Join(parts[:i], "/") + "/", Mode: 0o755,
			Uid: own.uid, Gid: own.gid, ModTime: normalizedTime,
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
	}
	return nil
}

// writeEntry writes one file, directory or symlink; other types are skipped.
func writeEntry(tw *tar.Writer, p, name string, d fs.DirEntry, own owner) error {
	fi, err := d.Info()
	if err != nil {
		return err
	}
	var link string
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	} else if !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil
	}
	h, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	h.Name = strings.TrimPrefix(name, "/")
	if fi.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid, h.Uname, h.Gname = own.uid, own.gid, "", ""
	h.ModTime, h.AccessTime, h.ChangeTime = normalizedTime, time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
