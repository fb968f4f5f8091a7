package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/build"
)

// TestProcessRunner_SeedsLayeredMount: without a sandbox a layered directory is seeded with
// a copy of the lower layer once, so the step's writes never reach the lower layer.
func TestProcessRunner_SeedsLayeredMount(t *testing.T) {
	lower, dir := t.TempDir(), filepath.Join(t.TempDir(), "go-build")
	os.MkdirAll(filepath.Join(lower, "ab"), 0o755)
	os.WriteFile(filepath.Join(lower, "ab", "entry-d"), []byte("std"), 0o644)
	var out bytes.Buffer
	step := build.Step{Name: "compile", Path: "/bin/sh", Args: []string{"-c", `cat "$1/ab/entry-d"; echo poison > "$1/ab/entry-d"; echo new > "$1/ab/mine-d"`, "sh", dir},
		Dir: t.TempDir(), Stdout: &out, Stderr: &out,
		Mounts: []build.Mount{{Path: dir, Writable: true, Lower: lower, Upper: dir + ".upper"}}}
	if err := (build.ProcessRunner{}).Run(t.Context(), step); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if out.String() != "std" {
		t.Errorf("step read %q, want the lower layer's entry", out.String())
	}
	if b, _ := os.ReadFile(filepath.Join(lower, "ab", "entry-d")); string(b) != "std" {
		t.Errorf("lower layer's entry = %q after the step wrote its copy", b)
	}
	if _, err := os.Stat(filepath.Join(lower, "ab", "mine-d")); err == nil {
		t.Error("the step's new entry reached the lower layer")
	}
	// A second run keeps the step's own files (no second seeding over them).
	out.Reset()
	if err := (build.ProcessRunner{}).Run(t.Context(), step); err != nil {
		t.Fatal(err)
	}
	if out.String() != "poison\n" {
		t.Errorf("second run read %q, want the app's own copy", out.String())
	}
}

// TestToolCache_Empty: before any warm-up the lower layer is an empty directory.
func TestToolCache_Empty(t *testing.T) {
	tc, err := build.OpenToolCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if tc.Ready() != "" {
		t.Fatalf("Ready = %q in a new directory", tc.Ready())
	}
	lower := tc.GoCache(t.Context(), true) // nothing warming: no wait
	if ents, err := os.ReadDir(lower); err != nil || len(ents) != 0 {
		t.Errorf("lower layer %s: %v entries, err %v", lower, len(ents), err)
	}
}
