package cnb

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func envMap(kvs []string) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestLaunch(t *testing.T) {
	layers, app, _ := buildFixture(t)
	base := []string{"PATH=/usr/bin:/bin", "PORT=5000", "RT_LIST=head"}
	launch := func(t *testing.T, cfg LaunchConfig) (*LaunchSpec, map[string]string) {
		t.Helper()
		cfg.LayersDir, cfg.AppDir, cfg.Env = layers, app, base
		spec, err := Launch(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return spec, envMap(spec.Env)
	}
	runtimeBin := filepath.Join(layers, "bera_runtime", "runtime", "bin")

	t.Run("DefaultProcess", func(t *testing.T) {
		spec, env := launch(t, LaunchConfig{})
		if want := []string{filepath.Join(runtimeBin, "runtime-hello"), "--port", "8080"}; !slices.Equal(spec.Argv, want) {
			t.Errorf("argv = %v, want %v", spec.Argv, want)
		}
		if spec.Dir != app {
			t.Errorf("dir = %q, want app dir", spec.Dir)
		}
		want := map[string]string{
			"PATH":      runtimeBin + ":/usr/bin:/bin",
			"PORT":      "5000",
			"RT_PLAIN":  "from-exec.d", // exec.d/web overrides env/
			"EXECD_ALL": "saw runtime", // exec.d/* runs first, sees layer env
			"EXECD_WEB": "yes",
			"RT_LAUNCH": "launch-only",
			"RT_WEB":    "web-only",
			"RT_LIST":   "head,tail",
			"RT_GLUE":   "head",
		}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("%s = %q, want %q", k, env[k], v)
			}
		}
		for _, k := range []string{"RT_BUILD", "TOOLS"} {
			if _, ok := env[k]; ok {
				t.Errorf("%s set at launch; it comes from env.build or a build-only layer", k)
			}
		}
		out, err := exec.Command(spec.Argv[0], spec.Argv[1:]...).Output()
		if err != nil || string(out) != "hello from runtime\n" {
			t.Errorf("running argv: %q, %v", out, err)
		}
	})
	t.Run("UserArgsReplaceArgs", func(t *testing.T) {
		spec, _ := launch(t, LaunchConfig{Process: "web", Args: []string{"--debug"}})
		if !slices.Equal(spec.Argv[1:], []string{"--debug"}) {
			t.Errorf("argv = %v", spec.Argv)
		}
	})
	t.Run("OtherProcessHasNoWebEnv", func(t *testing.T) {
		spec, env := launch(t, LaunchConfig{Process: "worker"})
		if spec.Dir != "/workspace/sub" || filepath.Base(spec.Argv[0]) != "sh" || spec.Argv[2] != "echo working" {
			t.Errorf("spec = %+v", spec)
		}
		if env["RT_PLAIN"] != "runtime" || env["RT_WEB"] != "" || env["EXECD_WEB"] != "" {
			t.Errorf("worker env has web-only values: %v", env)
		}
	})
	t.Run("Command", func(t *testing.T) {
		spec, _ := launch(t, LaunchConfig{Command: []string{"runtime-hello", "x"}})
		if !slices.Equal(spec.Argv, []string{filepath.Join(runtimeBin, "runtime-hello"), "x"}) {
			t.Errorf("argv = %v", spec.Argv)
		}
	})
	t.Run("UnknownProcess", func(t *testing.T) {
		_, err := Launch(context.Background(), LaunchConfig{LayersDir: layers, Process: "nope"})
		if err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("FailingExecD", func(t *testing.T) {
		mustWrite(t, filepath.Join(layers, "bera_runtime", "runtime", "exec.d", "worker", "bad"), "#!/bin/sh\nexit 4\n", 0o755)
		_, err := Launch(context.Background(), LaunchConfig{LayersDir: layers, AppDir: app, Process: "worker"})
		if err == nil || !strings.Contains(err.Error(), "layer runtime: exec.d bad") {
			t.Errorf("err = %v, want it to name the layer and program", err)
		}
	})
}

func TestLaunchShellProcess(t *testing.T) {
	layers := t.TempDir()
	md := &Metadata{Processes: []Process{{Type: "web", Command: []string{"echo $X"}, Args: []string{"a"}}}, DefaultProcess: "web"}
	if err := writeMetadata(layers, md); err != nil {
		t.Fatal(err)
	}
	spec, err := Launch(context.Background(), LaunchConfig{LayersDir: layers, AppDir: "/app", Env: []string{"X=1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(spec.Argv, []string{"bash", "-c", "echo $X a"}) {
		t.Errorf("argv = %v", spec.Argv)
	}
}

func TestEnvModifiersInOneDir(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{
		"A": "plain", "B.override": "over", "C.default": "def", "D.default": "def",
		"E.append": "e2", "E.delim": ":", "F.prepend": "f0", "F.delim": "-", "G.append": "g",
		"H.prepend": "h", "H.delim": ":",
	} {
		mustWrite(t, filepath.Join(dir, name), v, 0o644)
	}
	env := NewEnv([]string{"A=old", "B=old", "D=set", "E=e1", "F=f1", "G=x"})
	if err := env.ApplyDir(dir); err != nil {
		t.Fatal(err)
	}
	got := envMap(env.List())
	want := map[string]string{"A": "plain", "B": "over", "C": "def", "D": "set", "E": "e1:e2", "F": "f0-f1", "G": "xg", "H": "h"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["E.delim"]; ok {
		t.Error(".delim file became a variable")
	}
	if err := env.ApplyDir(filepath.Join(dir, "missing")); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}
