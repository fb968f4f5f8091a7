package slug_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// hostSecret is written to a 0600 file outside the packed tree.
const hostSecret = "root:HOST-SECRET-must-not-be-packed:19000:0:99999:7:::"

// readSlug returns a slug's entries by name, with their bodies.
func readSlug(t *testing.T, b []byte) map[string]*tar.Header {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	got := map[string]*tar.Header{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got[hdr.Name] = hdr
	}
}

// TestPackStoresLinksAsLinks packs a tree whose links point at a host file and a host
// directory: they are stored as links, and the host content is nowhere in the slug.
func TestPackStoresLinksAsLinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "shadow")
	if err := os.WriteFile(secret, []byte(hostSecret), 0o600); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "Procfile"), []byte("web: ./server\n"), 0o644)
	for name, target := range map[string]string{"abs": secret, "etc": outside, "rel": "../" + filepath.Base(outside) + "/shadow", "in": "Procfile"} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := slug.Pack(t.Context(), &buf, src); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	raw, _ := io.ReadAll(mustGunzip(t, buf.Bytes()))
	if bytes.Contains(raw, []byte("HOST-SECRET")) {
		t.Fatal("the slug holds the content of a file outside the tree")
	}
	got := readSlug(t, buf.Bytes())
	for name, target := range map[string]string{"abs": secret, "etc": outside, "in": "Procfile"} {
		hdr := got[slug.Prefix+name]
		if hdr == nil || hdr.Typeflag != tar.TypeSymlink || hdr.Linkname != target || hdr.Size != 0 {
			t.Errorf("%s: entry %+v, want a symlink to %s", name, hdr, target)
		}
	}
	if _, ok := got[slug.Prefix+"etc/shadow"]; ok {
		t.Error("Pack descended into a link to a host directory")
	}
}

// swapWriter runs swap once 64 KB were written: by then Pack has listed the top directory
// and is packing its first files, so what swap changes is seen mid-walk.
type swapWriter struct {
	bytes.Buffer
	swap func()
}

func (w *swapWriter) Write(p []byte) (int, error) {
	if w.swap != nil && w.Len() > 64<<10 {
		w.swap()
		w.swap = nil
	}
	return w.Buffer.Write(p)
}

// TestPackDirSwappedForLink: a directory is replaced by a link to a host directory while the
// tree is packed (as a buildpack process left running could do). Pack must not read
// through it: the host file is nowhere in the slug.
func TestPackDirSwappedForLink(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "shadow"), []byte(hostSecret), 0o600)
	src := t.TempDir()
	// Enough incompressible files before "zz" that gzip writes long before the walk gets there.
	noise := make([]byte, 4096)
	for i := range 200 {
		rand.Read(noise)
		os.WriteFile(filepath.Join(src, fmt.Sprintf("a%03d", i)), noise, 0o644)
	}
	os.MkdirAll(filepath.Join(src, "zz"), 0o755)
	os.WriteFile(filepath.Join(src, "zz", "shadow"), []byte("in-tree"), 0o644)
	swapped := false
	w := &swapWriter{swap: func() {
		os.RemoveAll(filepath.Join(src, "zz"))
		swapped = os.Symlink(outside, filepath.Join(src, "zz")) == nil
	}}
	err := slug.Pack(t.Context(), w, src)
	if !swapped {
		t.Fatal("the directory was not swapped during Pack")
	}
	if raw, _ := io.ReadAll(mustGunzip(t, w.Bytes())); bytes.Contains(raw, []byte("HOST-SECRET")) {
		t.Fatal("Pack read a host file through a directory swapped for a link while packing")
	}
	if err == nil {
		t.Fatal("Pack succeeded although a directory left the tree under it")
	}
}

// mustGunzip decompresses what it can of b (a slug cut short by a failed Pack included).
func mustGunzip(t *testing.T, b []byte) io.Reader {
	t.Helper()
	if len(b) == 0 {
		return bytes.NewReader(nil)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	return bytes.NewReader(raw)
}

// TestExtractNamesLeavingLink: the error for a link leaving the tree names it in a sentence a
// user can read, and still wraps ErrUnsafe.
func TestExtractNamesLeavingLink(t *testing.T) {
	for _, link := range []string{"/etc/shadow", "../../etc/shadow"} {
		archive := makeTar(t, entry{name: "Procfile", link: link, typ: tar.TypeSymlink})
		err := slug.Extract(t.Context(), bytes.NewReader(archive), t.TempDir(), slug.Limits{})
		var te *srctree.Error
		if !errors.Is(err, slug.ErrUnsafe) || !errors.As(err, &te) || te.Error() != "Procfile is a link that leaves the source tree." {
			t.Errorf("Extract of Procfile -> %s = %v; want ErrUnsafe and the link named", link, err)
		}
	}
}

// TestExtractSkipsGlobalHeader: git archive starts with a pax global header (the commit id).
func TestExtractSkipsGlobalHeader(t *testing.T) {
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeXGlobalHeader, Name: "pax_global_header", PAXRecords: map[string]string{"comment": "c0ffee"}})
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "a", Mode: 0o644, Size: 1})
	tw.Write([]byte("x"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	if err := slug.Extract(t.Context(), &archive, dest, slug.Limits{}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 1 || entries[0].Name() != "a" {
		t.Fatalf("extracted %v, want just a", entries)
	}
}
