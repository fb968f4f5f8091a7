package cnb

import (
	"context"
	"errors"
	"io"
	"os/exec"
)

// Cmd is one buildpack executable to run: bin/detect or bin/build.
type Cmd struct {
	Path   string   // executable
	Args   []string // arguments after Path
	Dir    string   // working directory (the app directory)
	Env    []string // complete environment, KEY=VALUE
	Stdout io.Writer
	Stderr io.Writer
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
