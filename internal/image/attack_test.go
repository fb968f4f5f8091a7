package image_test

import (
	"archive/tar"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/image"
)

func dir(name string) entry {
	return entry{h: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}}
}
func file(name, body string) entry {
	return entry{h: tar.Header{Name: name, Mode: 0o644}, body: body}
}
func symlink(name, target string) entry {
	return entry{h: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}}
}
func hardlink(name, target string) entry {
	return entry{h: tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target}}
}

// TestUnpackAttacks unpacks layers built to write outside the layer directory. Each must
// fail with ErrHostileEntry, leave no unpacked directory, and leave the victim file (next
// to the store) unchanged.
func TestUnpackAttacks(t *testing.T) {
	requireRoot(t)
	base := t.TempDir()
	victimDir := filepath.Join(base, "victim")
	os.MkdirAll(victimDir, 0o755)
	victim := filepath.Join(victimDir, "secret")
	rel := func(from string) string { // a relative path from the layer dir to victimDir
		return strings.Repeat("../", strings.Count(from, "/")+4) + strings.TrimPrefix(victimDir, "/")
	}
	tests := []struct {
		name    string
		entries []entry
	}{
		{"DotDot", []entry{file("../../../../victim/secret", "pwned")}},
		{"DotDotInside", []entry{dir("a/"), file("a/../../victim/secret", "pwned")}},
		{"Absolute", []entry{file(victim, "pwned")}},
		{"SymlinkAbsoluteThenWrite", []entry{symlink("evil", victimDir), file("evil/secret", "pwned")}},
		{"SymlinkRelativeThenWrite", []entry{symlink("evil", rel("evil")), file("evil/secret", "pwned")}},
		{"SymlinkInsideThenWrite", []entry{dir("real/"), symlink("evil", "real"), file("evil/x", "through a link")}},
		{"SymlinkThenDir", []entry{symlink("evil", victimDir), dir("evil/sub/")}},
		{"SymlinkReplacesDir", []entry{dir("d/"), symlink("d", victimDir), file("d/secret", "pwned")}},
		{"SymlinkThenHardlinkThroughIt", []entry{symlink("evil", victimDir), hardlink("h", "evil/secret")}},
		{"HardlinkOutside", []entry{hardlink("h", rel("h")+"/secret"), file("h", "pwned")}},
		{"HardlinkAbsolute", []entry{hardlink("h", victim)}},
		{"HardlinkToSymlink", []entry{symlink("s", victim), hardlink("h", "s")}},
		{"HardlinkToMissing", []entry{hardlink("h", "nothere")}},
		{"CharDevice", []entry{{h: tar.Header{Name: "mem", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 1, Mode: 0o666}}}},
		{"BlockDevice", []entry{{h: tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Devmajor: 8, Mode: 0o666}}}},
		{"FIFO", []entry{{h: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo, Mode: 0o666}}}},
		{"Whiteout", []entry{file("etc/.wh.passwd", "")}},
		{"OpaqueWhiteout", []entry{dir("etc/"), file("etc/.wh..wh..opq", "")}},
		{"FileThenDir", []entry{file("f", "x"), dir("f/")}},
		{"NonDirRoot", []entry{file(".", "x")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(victim, []byte("safe"), 0o644); err != nil {
				t.Fatal(err)
			}
			s := mustOpen(t)
			digest := tarImage(t, s, tt.entries)
			dirs, err := s.Unpack(t.Context(), digest, testUID)
			if !errors.Is(err, image.ErrHostileEntry) {
				t.Errorf("Unpack = %v, %v; want ErrHostileEntry", dirs, err)
			}
			if got, _ := os.ReadFile(victim); string(got) != "safe" {
				t.Errorf("victim changed to %q", got)
			}
			if entries, _ := os.ReadDir(victimDir); len(entries) != 1 {
				t.Errorf("victim dir has %d entries", len(entries))
			}
			if entries, _ := os.ReadDir(filepath.Join(s.Dir, "unpacked", "100777")); len(entries) != 0 {
				t.Errorf("%d entries left in the unpacked dir", len(entries))
			}
		})
	}
}

// TestUnpackSanitizes unpacks entries that are fine once tamed.
func TestUnpackSanitizes(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	setuid := file("bin/su", "x")
	setuid.h.Mode = 0o6755
	setuid.h.Uid, setuid.h.Gid = 0, 0
	sticky := dir("tmp/")
	sticky.h.Mode = 0o1777
	readonly := dir("ro/")
	readonly.h.Mode = 0o555
	digest := tarImage(t, s, []entry{
		dir("./"), setuid, sticky, readonly, file("ro/inside", "filled after its dir"),
		symlink("bin/sh", "/usr/bin/dash"), // absolute targets are kept: they resolve in the dyno
		file("./implicit/parents/f", "made"),
		file("dup", "first"), file("dup", "second"),
		file("orig", "linked"), hardlink("same", "orig"), file("orig", "replaced"),
	})
	dirs, err := s.Unpack(t.Context(), digest, testUID)
	if err != nil {
		t.Fatal(err)
	}
	d := dirs[0]
	fi, err := os.Stat(filepath.Join(d, "bin/su"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&(os.ModeSetuid|os.ModeSetgid) != 0 || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/su mode = %v, want 0755 without setuid/setgid", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(d, "tmp")); fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp mode = %v, want sticky", fi.Mode())
	}
	if fi, _ := os.Stat(filepath.Join(d, "ro")); fi.Mode().Perm() != 0o555 {
		t.Errorf("ro mode = %v", fi.Mode())
	}
	if target, _ := os.Readlink(filepath.Join(d, "bin/sh")); target != "/usr/bin/dash" {
		t.Errorf("bin/sh -> %q", target)
	}
	for name, want := range map[string]string{"implicit/parents/f": "made", "dup": "second", "same": "linked", "orig": "replaced", "ro/inside": "filled after its dir"} {
		if got := readFile(t, filepath.Join(d, name)); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
