package build_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
	// The second line is a grandchild's: what the step's own children inherit.
	got := runPriority(t, build.ProcessRunner{Background: &build.Priority{}}, `echo $(nice) $(chrt -p $$ | grep policy); sh -c 'echo $(nice) $(chrt -p $$ | grep policy)'`)
	if want := strings.Repeat("19 pid NNN's current scheduling policy: SCHED_IDLE\n", 2); got != want {
		t.Errorf("background step and its child ran as\n%s\nwant niceness 19 and SCHED_IDLE for both", got)
	}
	own := ownPriority(t)
	if got := runPriority(t, build.ProcessRunner{}, `echo $(nice) $(chrt -p $$ | grep policy)`); got != own {
		t.Errorf("ordinary step ran as %q, want the test's own %q", got, own)
	}
}

// TestPriority_Raise: raising a Priority puts a background step that is already running,
// a child it started before, one it starts after, and the next step back at the server's
// priority (a build waiting for the warm-up must not wait behind idle-priority work).
func TestPriority_Raise(t *testing.T) {
	beratest.Require(t, "nice", "Debian: coreutils")
	beratest.Require(t, "chrt", "Debian: util-linux")
	own := ownPriority(t)
	dir := t.TempDir()
	prio := &build.Priority{}
	// The step starts a child that waits for the raise, says it is running, waits for the
	// raise itself, then reports itself, the early child and a new child.
	script := `d=$1
sh -c 'while [ ! -f "$1/raised" ]; do sleep 0.01; done; echo $(nice) $(chrt -p $$ | grep policy) > "$1/early"' sh "$d" &
touch "$d/running"
while [ ! -f "$d/raised" ]; do sleep 0.01; done
wait
echo $(nice) $(chrt -p $$ | grep policy)
cat "$d/early"
sh -c 'echo $(nice) $(chrt -p $$ | grep policy)'`
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		step := build.Step{Name: "compile", Path: "/bin/sh", Args: []string{"-c", script, "sh", dir}, Dir: dir, Stdout: &out, Stderr: &out}
		done <- build.ProcessRunner{Background: prio}.Run(t.Context(), step)
	}()
	for {
		if _, err := os.Stat(filepath.Join(dir, "running")); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	prio.Raise()
	os.WriteFile(filepath.Join(dir, "raised"), nil, 0o644)
	if err := <-done; err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if got, want := pidRE.ReplaceAllString(out.String(), "pid NNN's"), strings.Repeat(own, 3); got != want {
		t.Errorf("after Raise the step, its early child and a new child ran as\n%s\nwant the server's own priority\n%s", got, want)
	}
	// A step started after the raise is not lowered at all.
	if got := runPriority(t, build.ProcessRunner{Background: prio}, `echo $(nice) $(chrt -p $$ | grep policy)`); got != own {
		t.Errorf("step after Raise ran as %q, want %q", got, own)
	}
}

// runPriority runs script as a step and returns its output with pids replaced.
func runPriority(t *testing.T, r build.ProcessRunner, script string) string {
	t.Helper()
	var out bytes.Buffer
	step := build.Step{Name: "compile", Path: "/bin/sh", Args: []string{"-c", script}, Dir: t.TempDir(), Stdout: &out, Stderr: &out}
	if err := r.Run(t.Context(), step); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	return pidRE.ReplaceAllString(out.String(), "pid NNN's")
}

// ownPriority is what runPriority's line says for the test process itself.
func ownPriority(t *testing.T) string {
	t.Helper()
	b, err := exec.Command("/bin/sh", "-c", `echo $(nice) $(chrt -p $$ | grep policy)`).Output()
	if err != nil {
		t.Fatal(err)
	}
	return pidRE.ReplaceAllString(string(b), "pid NNN's")
}

var pidRE = regexp.MustCompile(`pid [0-9]+'s`)
