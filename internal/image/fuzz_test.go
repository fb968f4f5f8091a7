package image

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func seedTar(tb testing.TB, hs ...tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		body := []byte("x")
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			tb.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzUnpackLayer unpacks arbitrary tar streams. Whatever it accepts or refuses, nothing
// may appear outside the layer directory, and nothing inside may be a device, a FIFO,
// setuid or setgid. Run it with -fuzzminimizetime 2s: each unpack touches the filesystem,
// and minimizing an input for the default 60s stalls the fuzzer.
func FuzzUnpackLayer(f *testing.F) {
	reg, dir, sym, link := byte(tar.TypeReg), byte(tar.TypeDir), byte(tar.TypeSymlink), byte(tar.TypeLink)
	f.Add(seedTar(f, tar.Header{Name: "a/", Typeflag: dir, Mode: 0o755}, tar.Header{Name: "a/b", Typeflag: reg, Mode: 0o644}))
	f.Add(seedTar(f, tar.Header{Name: "../x", Typeflag: reg}))
	f.Add(seedTar(f, tar.Header{Name: "/abs", Typeflag: reg}))
	f.Add(seedTar(f, tar.Header{Name: "l", Typeflag: sym, Linkname: ".."}, tar.Header{Name: "l/out", Typeflag: reg}))
	f.Add(seedTar(f, tar.Header{Name: "l", Typeflag: sym, Linkname: "/"}, tar.Header{Name: "h", Typeflag: link, Linkname: "l/etc/passwd"}))
	f.Add(seedTar(f, tar.Header{Name: "f", Typeflag: reg, Mode: 0o6777}, tar.Header{Name: "g", Typeflag: link, Linkname: "f"}))
	f.Add(seedTar(f, tar.Header{Name: "d", Typeflag: byte(tar.TypeChar), Devmajor: 1, Devminor: 3}))
	f.Add(seedTar(f, tar.Header{Name: "x/.wh..wh..opq", Typeflag: reg}))
	f.Add(seedTar(f, tar.Header{Name: "ro/", Typeflag: dir, Mode: 0o500}, tar.Header{Name: "ro/f", Typeflag: reg, Mode: 0o400}))
	f.Add(seedTar(f, tar.Header{Name: "sparse", Typeflag: reg, Size: 1, PAXRecords: map[string]string{"GNU.sparse.major": "1", "GNU.sparse.minor": "0"}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := fuzzDir(t)
		layer := filepath.Join(base, "layer")
		if err := os.Mkdir(layer, 0o755); err != nil {
			t.Fatal(err)
		}
		unpackLayer(bytes.NewReader(data), layer, owner{uid: os.Getuid()}) //nolint:errcheck // refusing is fine
		entries, _ := os.ReadDir(base)
		if len(entries) != 1 {
			t.Fatalf("entries next to the layer: %v", entries)
		}
		filepath.WalkDir(layer, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if m := fi.Mode(); m&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeSetuid|fs.ModeSetgid) != 0 {
				t.Errorf("%s has mode %v", p, m)
			}
			if fi.Mode()&0o200 == 0 || fi.IsDir() {
				os.Chmod(p, 0o755) // so t.TempDir can remove it
			}
			return nil
		})
	})
}

// fuzzDir is a temp dir on /dev/shm when there is one: the fuzzer runs (and minimizes
// with) thousands of unpacks, and a disk makes each one slow.
func fuzzDir(t *testing.T) string {
	dir, err := os.MkdirTemp("/dev/shm", "bera-fuzz-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
