package build

import (
	"context"
	"errors"
	"io"
	"os/exec"
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
type ProcessRunner struct{}

// waitDelay is how long a finished step's leftover children may hold its output open.
const waitDelay = 2 * time.Second

// Run runs s.
func (ProcessRunner) Run(ctx context.Context, s Step) error {
	cmd := exec.CommandContext(ctx, s.Path, s.Args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = s.Dir, s.Env, s.Stdout, s.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
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
