package slug

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/kingvon-ke/bera/internal/srctree"
)

// Prefix is the directory every entry of a slug lives under, as in Heroku's slugs: a slug
// extracted at a dyno's root gives /app.
const Prefix = "./app/"

// Pack writes dir as a slug to w: a gzip-compressed tarball whose entries are named
// "./app/<path>". It stores directories, regular files (mode bits 0777 only) and symlinks,
// in lexical order; sockets, devices and FIFOs are skipped. Hard links are stored as copies.
//
// The tree is hostile (buildpacks wrote it): Pack reads it through an os.Root, so it never
// follows a link. A symlink is stored as a link, its target never read, and a file swapped
// for a link or a directory while Pack runs is either refused or read inside the tree.
func Pack(ctx context.Context, w io.Writer, dir string) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	defer r.Close()
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	tw := tar.NewWriter(zw)
	err = fs.WalkDir(r.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return packEntry(tw, r, name)
	})
	if err != nil {
		return fmt.Errorf("pack %s: %w", dir, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("pack: %w", err)
	}
	return nil
}

// packEntry writes the one entry name (a slash path inside r) to tw.
func packEntry(tw *tar.Writer, r *os.Root, name string) error {
	info, err := r.Lstat(name)
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: Prefix + name, Mode: int64(info.Mode().Perm()), ModTime: info.ModTime(), Format: tar.FormatPAX}
	switch {
	case name == ".":
		hdr.Name, hdr.Typeflag = Prefix, tar.TypeDir
	case info.IsDir():
		hdr.Name += "/"
		hdr.Typeflag = tar.TypeDir
	case info.Mode()&fs.ModeSymlink != 0:
		hdr.Typeflag = tar.TypeSymlink
		if hdr.Linkname, err = r.Readlink(name); err != nil {
			return err
		}
	case info.Mode().IsRegular():
		return packFile(tw, r, name, hdr)
	default:
		return nil
	}
	return tw.WriteHeader(hdr)
}

// packFile writes the regular file name with hdr, taking size and mode from the file it
// opened (inside r), so what is stored is what was read.
func packFile(tw *tar.Writer, r *os.Root, name string, hdr *tar.Header) error {
	f, info, err := srctree.Open(r, name)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr.Typeflag, hdr.Size, hdr.Mode, hdr.ModTime = tar.TypeReg, info.Size(), int64(info.Mode().Perm()), info.ModTime()
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(tw, io.LimitReader(f, hdr.Size))
	if err != nil {
		return err
	}
	if n != hdr.Size {
		return fmt.Errorf("%s changed size while packing", name)
	}
	return nil
}
