package cnb

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain lets the test binary play the launcher: with
// BERA_CNB_TEST_LAUNCHER=1 it is /cnb/lifecycle/launcher.
func TestMain(m *testing.M) {
	if os.Getenv("BERA_CNB_TEST_LAUNCHER") == "1" {
		os.Exit(LauncherMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// launcher runs the test binary as the launcher over layers and app.
func launcher(t *testing.T, layers, app string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append([]string{"BERA_CNB_TEST_LAUNCHER=1", "PATH=/usr/bin:/bin", "CNB_LAYERS_DIR=" + layers, "CNB_APP_DIR=" + app}, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

func TestLauncherMain(t *testing.T) {
	layers, app, _ := buildFixture(t)
	t.Run("DefaultProcess", func(t *testing.T) {
		out, errOut, code := launcher(t, layers, app, nil)
		if code != 0 || out != "hello from runtime\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("CommandGetsLaunchEnvOnly", func(t *testing.T) {
		out, errOut, code := launcher(t, layers, app, nil, "--", "sh", "-c", `echo "$RT_LAUNCH|$RT_WEB|$EXECD_ALL|$EXECD_WEB|$RT_PLAIN|$PWD"`)
		if want := "launch-only||saw runtime||runtime|" + app + "\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q; stderr %q", code, out, want, errOut)
		}
	})
	t.Run("CommandFromLayerPath", func(t *testing.T) {
		out, _, code := launcher(t, layers, app, nil, "--", "runtime-hello")
		if code != 0 || out != "hello from runtime\n" {
			t.Errorf("exit %d, stdout %q", code, out)
		}
	})
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"NotFound", nil, []string{"--", "no-such-command"}, 127, "launcher: no-such-command: command not found\n"},
		{"UnknownProcess", []string{"CNB_PROCESS_TYPE=nope"}, nil, 1, "launcher: launch: process type \"nope\" not found\n"},
		{"MissingWorkingDir", []string{"CNB_PROCESS_TYPE=worker"}, nil, 1, "launcher: chdir /workspace/sub: no such file or directory\n"},
		{"NoCommand", nil, []string{"--"}, 1, "launcher: no command after --\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := launcher(t, layers, app, tc.env, tc.args...)
			if code != tc.code || !strings.HasSuffix(errOut, tc.want) || strings.Count(errOut, "launcher:") != 1 {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.want)
			}
		})
	}
	t.Run("NoLayers", func(t *testing.T) {
		_, errOut, code := launcher(t, t.TempDir(), app, nil)
		if code != 1 || !strings.HasPrefix(errOut, "launcher: launch: ") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}
