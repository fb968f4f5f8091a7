package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
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

// TestProcessRunner_Background: a background step, and every process it starts, runs at
// niceness 19 under SCHED_IDLE (the warm-up's compiles yield the CPU to dynos); an ordinary
// one at the server's own priority.
func TestProcessRunner_Background(t *testing.T) {
	beratest.Require(t, "nice", "Debian: coreutils")
	beratest.Require(t, "chrt", "Debian: util-linux")
	priority := func(r build.ProcessRunner) string {
		var out bytes.Buffer
		// The second line is a grandchild's: what the step's own children inherit.
		step := build.Step{Name: "compile", Path: "/bin/sh", Args: []string{"-c", `echo $(nice) $(chrt -p $$ | grep policy); sh -c 'echo $(nice) $(chrt -p $$ | grep policy)'`},
			Dir: t.TempDir(), Stdout: &out, Stderr: &out}
		if err := r.Run(t.Context(), step); err != nil {
			t.Fatalf("Run: %v\n%s", err, out.String())
		}
		return out.String()
	}
	got := priority(build.ProcessRunner{Background: true})
	if want := strings.Repeat("19 pid NNN's current scheduling policy: SCHED_IDLE\n", 2); pidRE.ReplaceAllString(got, "pid NNN's") != want {
		t.Errorf("background step and its child ran as\n%s\nwant niceness 19 and SCHED_IDLE for both", got)
	}
	got = priority(build.ProcessRunner{})
	if strings.Contains(got, "SCHED_IDLE") || strings.HasPrefix(got, "19 ") {
		t.Errorf("ordinary step ran as\n%s\nwant the test's own priority", got)
	}
}

var pidRE = regexp.MustCompile(`pid [0-9]+'s`)
