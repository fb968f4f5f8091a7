package runtime_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

func TestEnviron(t *testing.T) {
	t.Run("DefaultPath", func(t *testing.T) {
		spec := runtime.DynoSpec{Name: "web.1", Env: map[string]string{"PORT": "1", "FOO": "bar", "HOME": "/x"}}
		got := strings.Join(runtime.Environ(spec, "/app", 5000), " ")
		want := "DYNO=web.1 FOO=bar HOME=/app PATH=/app/bin:/usr/local/bin:/usr/bin:/bin PORT=5000"
		if got != want {
			t.Errorf("Environ = %q, want %q", got, want)
		}
	})
	t.Run("AppPath", func(t *testing.T) {
		spec := runtime.DynoSpec{Name: "web.1", Env: map[string]string{"PATH": "/opt/bin:/bin"}}
		got := strings.Join(runtime.Environ(spec, "/app", 5000), " ")
		want := "DYNO=web.1 HOME=/app PATH=/opt/bin:/bin PORT=5000"
		if got != want {
			t.Errorf("Environ = %q, want %q", got, want)
		}
	})
}

// runShell runs command the way a dyno does, with home as HOME and working directory.
func runShell(t *testing.T, home, command string) (string, int) {
	t.Helper()
	args := runtime.ShellArgs(command)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = home
	cmd.Env = runtime.Environ(runtime.DynoSpec{Name: "web.1", Env: map[string]string{"GREETING": "hi"}}, home, 5000)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("run %q: %v", command, err)
	}
	return string(out), 0
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

func TestShellArgs(t *testing.T) {
	t.Run("ProfileScripts", func(t *testing.T) {
		home := t.TempDir()
		// Sourced in name order, each seeing what the earlier ones set, then .profile.
		writeFile(t, filepath.Join(home, ".profile.d", "a.sh"), "export FROM_A=a\n", 0o644)
		writeFile(t, filepath.Join(home, ".profile.d", "b.sh"), `export FROM_B="$FROM_A-b"`+"\n", 0o644)
		writeFile(t, filepath.Join(home, ".profile.d", "notes.txt"), "exit 9\n", 0o644)
		writeFile(t, filepath.Join(home, ".profile"), `export FROM_PROFILE="$FROM_B-profile $GREETING"`+"\n", 0o644)
		out, code := runShell(t, home, `echo "$FROM_PROFILE"`)
		if want := "a-b-profile hi\n"; out != want || code != 0 {
			t.Errorf("got %q exit %d, want %q exit 0", out, code, want)
		}
	})
	t.Run("NoProfile", func(t *testing.T) {
		out, code := runShell(t, t.TempDir(), `echo ok; exit 3`)
		if out != "ok\n" || code != 3 {
			t.Errorf("got %q exit %d, want \"ok\\n\" exit 3", out, code)
		}
	})
	t.Run("BinOnPath", func(t *testing.T) {
		home := t.TempDir()
		writeFile(t, filepath.Join(home, "bin", "myapp"), "#!/bin/sh\necho \"myapp $*\"\n", 0o755)
		out, code := runShell(t, home, `myapp -migrate`)
		if out != "myapp -migrate\n" || code != 0 {
			t.Errorf("got %q exit %d, want \"myapp -migrate\\n\" exit 0", out, code)
		}
	})
	t.Run("ProfileAddsPath", func(t *testing.T) {
		home := t.TempDir()
		writeFile(t, filepath.Join(home, "tools", "tool"), "#!/bin/sh\necho tool\n", 0o755)
		writeFile(t, filepath.Join(home, ".profile.d", "tools.sh"), `export PATH="$HOME/tools:$PATH"`+"\n", 0o644)
		out, code := runShell(t, home, `tool`)
		if out != "tool\n" || code != 0 {
			t.Errorf("got %q exit %d, want \"tool\\n\" exit 0", out, code)
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		_, code := runShell(t, t.TempDir(), `no-such-program-bera`)
		if code != 127 {
			t.Errorf("exit %d, want 127", code)
		}
	})
}

// Buildpacks' profile scripts may use bash, as on Heroku.
func TestShellArgsBash(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, ".profile.d", "bashism.sh"), `if [[ -n "$HOME" ]]; then arr=(a b); export JOINED="${arr[*]}"; fi`+"\n", 0o644)
	out, code := runShell(t, home, `echo "$JOINED"`)
	if out != "a b\n" || code != 0 {
		t.Errorf("got %q exit %d, want \"a b\\n\" exit 0", out, code)
	}
}

func TestValidateImageLayers(t *testing.T) {
	base := runtime.DynoSpec{ID: "d1", Name: "web.1", Command: "exec /cnb/lifecycle/launcher"}
	ok := base
	ok.ImageLayers = []string{"/data/images/unpacked/100123/aa", "/data/images/unpacked/100123/bb"}
	if err := ok.Validate(); err != nil {
		t.Errorf("image dyno without a slug: %v", err)
	}
	for _, dir := range []string{"relative/dir", "/a,b", "/a:b", "/a/../b", "/a/", "/a\x00b", ""} {
		bad := base
		bad.ImageLayers = []string{"/ok", dir}
		if err := bad.Validate(); bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("ImageLayers %q: Validate = %v, want EInvalid", dir, err)
		}
	}
	if err := base.Validate(); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("neither slug nor image: %v", err)
	}
}

func TestEnvironImage(t *testing.T) {
	spec := runtime.DynoSpec{Name: "web.1", ImageLayers: []string{"/l"}, Env: map[string]string{"CNB_APP_DIR": "/elsewhere", "CNB_PROCESS_TYPE": "web"}}
	got := strings.Join(runtime.Environ(spec, "/workspace", 5000), " ")
	want := "CNB_APP_DIR=/workspace CNB_LAYERS_DIR=/layers CNB_PROCESS_TYPE=web DYNO=web.1 HOME=/workspace PATH=/workspace/bin:/usr/local/bin:/usr/bin:/bin PORT=5000"
	if got != want {
		t.Errorf("Environ = %q, want %q", got, want)
	}
}
