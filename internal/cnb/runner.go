package cnb

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"sort"
)

// Cmd is one buildpack executable to run: bin/detect or bin/build.
type Cmd struct {
	Path   string   // executable
	Args   []string // arguments after Path
	Dir    string   // working directory (the app directory)
	Env    []string // complete environment, KEY=VALUE
	Stdout io.Writer
	Stderr io.Writer
	// Mounts are the host directories the program needs, sorted by path
	// (a parent before the directories inside it). Every path in Path,
	// Dir and the CNB_* variables of Env is under one of them, so a
	// sandboxed Runner can show exactly these and nothing else of the
	// host. ExecRunner ignores them.
	Mounts []Mount
}

// Mount is a host directory a buildpack program needs.
type Mount struct {
	Path     string
	Writable bool
}

// mounts sorts ms by path and merges duplicates (writable wins).
func mounts(ms ...Mount) []Mount {
	byPath := map[string]bool{}
	for _, m := range ms {
		if m.Path != "" {
			byPath[filepath.Clean(m.Path)] = byPath[filepath.Clean(m.Path)] || m.Writable
		}
	}
	out := make([]Mount, 0, len(byPath))
	for p, w := range byPath {
		out = append(out, Mount{Path: p, Writable: w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Runner runs a Cmd and returns its exit code. err is non-nil only when the
// command could not be run at all (not for a non-zero exit).
type Runner func(ctx context.Context, c Cmd) (code int, err error)

// ExecRunner runs c as a plain child process of the current process.
func ExecRunner(ctx context.Context, c Cmd) (int, error) {
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	cmd.Stdout = c.Stdout
	cmd.Stderr = c.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && ctx.Err() == nil {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return -1, err
	}
	return 0, nil
}
