package cnb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
)

// LauncherMain is the CNB launcher inside a dyno, for when the bera binary
// runs as /cnb/lifecycle/launcher; args are the arguments after the
// program name. It reads CNB_LAYERS_DIR (default /layers), CNB_APP_DIR
// (default /workspace) and CNB_PROCESS_TYPE (empty means the default
// process).
//
//	launcher                 runs the process
//	launcher ARGS...         runs the process with ARGS instead of its args
//	launcher -- CMD ARGS...  runs CMD ARGS in the launch env, without
//	                         process-specific env (bera run)
//
// It computes the env with Launch (exec.d programs run here, their output
// on stderr) and replaces itself with the process. On failure it prints
// one line "launcher: ..." to stderr and returns 1, or 127 when the
// command is not found.
func LauncherMain(args []string) int {
	cfg := LaunchConfig{
		LayersDir: envOr("CNB_LAYERS_DIR", ImageLayersDir),
		AppDir:    envOr("CNB_APP_DIR", ImageAppDir),
		Process:   os.Getenv("CNB_PROCESS_TYPE"),
		Env:       os.Environ(),
		Output:    os.Stderr,
	}
	switch {
	case len(args) > 0 && args[0] == "--":
		if len(args) == 1 {
			return launcherFail(1, errors.New("no command after --"))
		}
		cfg.Command = args[1:]
	case len(args) > 0:
		cfg.Args = args
	}
	spec, err := Launch(context.Background(), cfg)
	if err != nil {
		return launcherFail(1, err)
	}
	path, err := resolveCommand(spec)
	if err != nil {
		return launcherFail(127, err)
	}
	if err := os.Chdir(spec.Dir); err != nil {
		return launcherFail(1, err)
	}
	err = syscall.Exec(path, spec.Argv, spec.Env)
	if errors.Is(err, syscall.ENOENT) {
		return launcherFail(127, fmt.Errorf("%s: %w", path, err))
	}
	return launcherFail(1, fmt.Errorf("exec %s: %w", path, err))
}

// resolveCommand finds argv[0] on the launch env's PATH.
func resolveCommand(spec *LaunchSpec) (string, error) {
	name := spec.Argv[0]
	if !strings.Contains(name, "/") {
		path, _ := NewEnv(spec.Env).Get("PATH")
		name = lookPathIn(name, path)
	}
	if !strings.Contains(name, "/") {
		return "", fmt.Errorf("%s: command not found", name)
	}
	if _, err := os.Stat(name); err != nil {
		return "", fmt.Errorf("%s: command not found", name)
	}
	return name, nil
}

func launcherFail(code int, err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(os.Stderr, "launcher: %s\n", msg)
	return code
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
