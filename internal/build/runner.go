package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Step is one buildpack program to run: bin/detect, bin/compile or bin/release.
type Step struct {
	// Name is "detect", "compile" or "release".
	Name string
	// Path is the program and Args its arguments (without the program itself).
	Path string
	Args []string
	// Dir is the working directory and Env the whole environment ("KEY=value").
	Dir string
	Env []string
	// Stdout and Stderr receive the program's output.
	Stdout, Stderr io.Writer
	// Mounts lists the host directories the step uses. A sandboxed Runner makes each one
	// visible at the same path (plus the read-only stack) and nothing else of the host.
	Mounts []Mount
}

// Mount is a host directory a Step needs.
type Mount struct {
	Path     string
	Writable bool
	// Lower, when set, makes Path a layered directory: Lower is a read-only layer the step
	// must never change (the machine's shared Go build cache), Upper the step's own layer,
	// where its writes go. A sandboxed runner mounts an overlay at Path (Upper is then never
	// shown to the step as itself); ProcessRunner, which isolates nothing, seeds Path with a
	// copy of Lower once and lets the step write Path (Upper unused).
	Lower, Upper string
	// Target, when set, is where a Remapper shows Path to the step (CNB builds see the app
	// at /workspace and the layers at /layers, as their dynos do). Other runners ignore it.
	Target string
}

// Remapper is a Runner that shows a Mount at its Target instead of its Path.
type Remapper interface {
	Runner
	RemapsMounts() bool
}

// Runner runs build steps. The default, ProcessRunner, runs them as plain child processes;
// a sandboxed runner (runc, like a dyno) plugs in through Options.Runner.
//
// Run returns nil when the program exited 0, an *exec.ExitError (or an error wrapping one)
// for another exit status, and ctx's error when ctx ended first. It must not return before
// every process of the step is gone.
type Runner interface {
	Run(ctx context.Context, s Step) error
}

// ProcessRunner runs steps as child processes in their own process group, killing the whole
// group when the context ends or the step finishes, so nothing a buildpack started outlives
// it. It offers no isolation.
type ProcessRunner struct {
	// Background, when set, runs the step at the lowest CPU priority until it is raised (see
	// Priority): niceness 19 through nice(1) and the SCHED_IDLE policy through chrt(1),
	// each where the command exists, inherited by every process the step starts.
	Background *Priority
}

// waitDelay is how long a finished step's leftover children may hold its output open.
const waitDelay = 2 * time.Second

// Run runs s.
func (r ProcessRunner) Run(ctx context.Context, s Step) error {
	for _, m := range s.Mounts {
		if m.Lower != "" {
			if err := seedCopy(m.Lower, m.Path); err != nil {
				return err
			}
		}
	}
	cmd := exec.CommandContext(ctx, s.Path, s.Args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.Dir, s.Env, s.Stdout, s.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay
	var err error
	if r.Background != nil {
		var done func()
		if done, err = r.Background.start(cmd); err == nil {
			err = cmd.Wait()
		}
		done()
	} else {
		err = cmd.Run()
	}
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		return nil
	}
	return err
}

// seedMarker marks a directory ProcessRunner has seeded from a lower layer.
const seedMarker = ".bera-seeded"

// seedCopy copies lower's regular files into dir (once: the marker names the lower layer),
// keeping files dir already has. Copies, not hard links: a step writing a linked file in
// place would change the lower layer.
func seedCopy(lower, dir string) error {
	marker := filepath.Join(dir, seedMarker)
	if b, err := os.ReadFile(marker); err == nil && string(b) == lower {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	err := filepath.WalkDir(lower, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(lower, p)
		dst := filepath.Join(dir, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case !d.Type().IsRegular():
			return nil
		}
		if _, err := os.Lstat(dst); err == nil {
			return nil
		}
		return copyFile(p, dst)
	})
	if err != nil {
		return fmt.Errorf("seed %s: %w", dir, err)
	}
	return os.WriteFile(marker, []byte(lower), 0o600)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
