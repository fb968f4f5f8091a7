package slug_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/slug"
)

// entry is one tar entry for a hand-made archive.
type entry struct {
	name, link, body string
	typ              byte
	mode             int64
}

// makeTar returns a gzip-compressed tarball of entries.
func makeTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ, mode := e.typ, e.mode
		if typ == 0 {
			typ = tar.TypeReg
		}
		if mode == 0 {
			mode = 0o644
		}
		hdr := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: mode}
		if typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPackExtractRoundTrip(t *testing.T) {
	src := t.TempDir()
	write := func(name, body string, mode os.FileMode) {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	write("bin/web", "#!/bin/sh\necho hi\n", 0o755)
	write("public/index.html", "<h1>hi</h1>", 0o644)
	write("node_modules/pkg/cli.js", "cli", 0o755)
	if err := os.MkdirAll(filepath.Join(src, "node_modules/.bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../pkg/cli.js", filepath.Join(src, "node_modules/.bin/cli")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := slug.Pack(t.Context(), &buf, src); err != nil {
		t.Fatalf("Pack: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "root")
	if err := slug.Extract(t.Context(), &buf, dest, slug.Limits{}); err != nil {
		t.Fatalf("Extract: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dest, "app/node_modules/.bin/cli"))
	if err != nil || string(got) != "cli" {
		t.Fatalf("read through symlink = %q, %v", got, err)
	}
	fi, err := os.Stat(filepath.Join(dest, "app/bin/web"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("bin/web mode = %v, %v; want 0755", fi, err)
	}
}

// TestExtractRefuses feeds hostile archives to Extract, with an empty directory "outside"
// beside dest as bait: each is refused, leaves dest empty, and writes nothing outside dest.
func TestExtractRefuses(t *testing.T) {
	tests := []struct {
		name    string
		entries []entry
		limits  slug.Limits
		want    error
	}{
		{"DotDot", []entry{{name: "app/../../evil", body: "x"}}, slug.Limits{}, slug.ErrUnsafe},
		{"Absolute", []entry{{name: "/etc/evil", body: "x"}}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkAbsolute", []entry{{name: "l", link: "/etc", typ: tar.TypeSymlink}}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkUp", []entry{{name: "a/l", link: "../../x", typ: tar.TypeSymlink}}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkChain", []entry{
			{name: "d1/d2/s", link: "../..", typ: tar.TypeSymlink},
			{name: "d1/d2/t", link: "s/../x", typ: tar.TypeSymlink},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkLoop", []entry{
			{name: "a", link: "b", typ: tar.TypeSymlink},
			{name: "b", link: "a", typ: tar.TypeSymlink},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"WriteThroughSymlink", []entry{
			{name: "l", link: ".", typ: tar.TypeSymlink},
			{name: "l/f", body: "x"},
		}, slug.Limits{}, nil},
		{"FileThroughSymlinkOut", []entry{
			{name: "l", link: "../outside", typ: tar.TypeSymlink},
			{name: "l/f", body: "x"},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkThroughSymlinkOut", []entry{
			{name: "d", link: "../outside", typ: tar.TypeSymlink},
			{name: "d/x", link: "y", typ: tar.TypeSymlink},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"SymlinkThroughSymlinkChainOut", []entry{
			{name: "a/b", link: "..", typ: tar.TypeSymlink},
			{name: "a/up", link: "b/..", typ: tar.TypeSymlink},
			{name: "a/up/outside/x", link: "y", typ: tar.TypeSymlink},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"HardLinkOut", []entry{{name: "h", link: "../etc/passwd", typ: tar.TypeLink}}, slug.Limits{}, slug.ErrUnsafe},
		{"HardLinkThroughSymlink", []entry{
			{name: "l", link: "../outside", typ: tar.TypeSymlink},
			{name: "h", link: "l/f", typ: tar.TypeLink},
		}, slug.Limits{}, slug.ErrUnsafe},
		{"HardLinkAbsolute", []entry{{name: "h", link: "/etc/passwd", typ: tar.TypeLink}}, slug.Limits{}, slug.ErrUnsafe},
		{"HardLinkMissing", []entry{{name: "h", link: "nope", typ: tar.TypeLink}}, slug.Limits{}, slug.ErrUnsafe},
		{"CharDevice", []entry{{name: "null", typ: tar.TypeChar}}, slug.Limits{}, slug.ErrUnsafe},
		{"Fifo", []entry{{name: "pipe", typ: tar.TypeFifo}}, slug.Limits{}, slug.ErrUnsafe},
		{"TooManyBytes", []entry{{name: "a", body: "12345"}, {name: "b", body: "678"}}, slug.Limits{MaxBytes: 7}, slug.ErrTooLarge},
		{"TooManyEntries", []entry{{name: "a"}, {name: "b"}, {name: "c"}}, slug.Limits{MaxEntries: 2}, slug.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			dest, outside := filepath.Join(parent, "dest"), filepath.Join(parent, "outside")
			if err := os.Mkdir(outside, 0o755); err != nil {
				t.Fatal(err)
			}
			err := slug.Extract(t.Context(), bytes.NewReader(makeTar(t, tt.entries...)), dest, tt.limits)
			if tt.want == nil {
				if err == nil {
					t.Fatal("Extract succeeded, want an error")
				}
			} else if !errors.Is(err, tt.want) {
				t.Fatalf("Extract = %v, want %v", err, tt.want)
			}
			if left, _ := os.ReadDir(dest); len(left) != 0 {
				t.Errorf("Extract left %d entries behind after failing", len(left))
			}
			if got, _ := os.ReadDir(outside); len(got) != 0 {
				t.Errorf("Extract wrote %s outside dest", got[0].Name())
			}
			if got, _ := os.ReadDir(parent); len(got) != 2 {
				t.Errorf("Extract created %d entries beside dest", len(got)-2)
			}
		})
	}
}

func TestExtractStripsSetuid(t *testing.T) {
	dest := t.TempDir()
	archive := makeTar(t, entry{name: "suid", body: "x", mode: 0o4755})
	if err := slug.Extract(t.Context(), bytes.NewReader(archive), dest, slug.Limits{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dest, "suid"))
	if err != nil || fi.Mode()&os.ModeSetuid != 0 || fi.Mode().Perm() != 0o755 {
		t.Fatalf("mode = %v, %v; want 0755 without setuid", fi.Mode(), err)
	}
}

func TestExtractNeedsEmptyDest(t *testing.T) {
	dest := t.TempDir()
	if err := os.WriteFile(filepath.Join(dest, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err := slug.Extract(t.Context(), bytes.NewReader(makeTar(t, entry{name: "a"})), dest, slug.Limits{})
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Extract into a non-empty dir = %v, want a not-empty error", err)
	}
}

func FuzzExtract(f *testing.F) {
	f.Add(makeTar(f, entry{name: "app/a", body: "x"}, entry{name: "app/l", link: "a", typ: tar.TypeSymlink}))
	f.Add(makeTar(f, entry{name: "d/s", link: "..", typ: tar.TypeSymlink}, entry{name: "d/t", link: "s/../x", typ: tar.TypeSymlink}))
	f.Add(makeTar(f, entry{name: "a", body: "x"}, entry{name: "h", link: "a", typ: tar.TypeLink}))
	f.Add(makeTar(f, entry{name: "d", link: "..", typ: tar.TypeSymlink}, entry{name: "d/x", link: "y", typ: tar.TypeSymlink}))
	f.Add([]byte("not a tarball"))
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		dest := filepath.Join(parent, "dest")
		err := slug.Extract(t.Context(), bytes.NewReader(data), dest, slug.Limits{MaxBytes: 1 << 20, MaxEntries: 1000})
		// Whatever happened, nothing may appear beside dest.
		if left, _ := os.ReadDir(parent); len(left) != 1 {
			t.Fatalf("Extract created %d entries beside dest", len(left)-1)
		}
		if err != nil {
			return
		}
		checkInside(t, dest)
	})
}

// checkInside fails when any symlink under dest resolves outside it.
func checkInside(t *testing.T, dest string) {
	real, err := filepath.EvalSymlinks(dest)
	if err != nil {
		t.Fatal(err)
	}
	filepath.Walk(dest, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return nil
		}
		r, err := filepath.EvalSymlinks(p)
		if err == nil && r != real && !strings.HasPrefix(r, real+"/") {
			t.Fatalf("symlink %s resolves to %s outside %s", p, r, real)
		}
		return nil
	})
}
