package runc_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/image"
	"github.com/kingvon-ke/bera/internal/image/imagetest"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// launcherScript stands in for the bera launcher: it shows what it was run with.
const launcherScript = "#!/bin/sh\necho launcher layers=$CNB_LAYERS_DIR app=$CNB_APP_DIR type=$CNB_PROCESS_TYPE\n"

// imageEnv is a runtime whose launcher is launcherScript, and an image unpacked for the
// uid of the env's dynos.
type imageEnv struct {
	*runtimetest.Env
	layers   []string
	launcher string
}

func newImageEnv(t *testing.T) *imageEnv {
	Require(t)
	launcher := filepath.Join(t.TempDir(), "launcher")
	if err := os.WriteFile(launcher, []byte(launcherScript), 0o755); err != nil {
		t.Fatal(err)
	}
	factory := func(t *testing.T, state string, out func(runtime.Line)) runtime.Runtime {
		rt, err := runc.New(t.Context(), runc.Config{Root: state, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet, Output: out, Launcher: launcher})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rt.Close() })
		return rt
	}
	e := runtimetest.NewEnv(t, factory)
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	digest := imagetest.Export(t, s.LayoutDir(), imagetest.Image{
		Layer: map[string]string{"bin/hello": "#!/bin/sh\necho hello from the layer\n"},
		App:   map[string]string{"app.txt": "from the image\n"},
	})
	layers, err := s.Unpack(t.Context(), digest, runtime.AppUID(e.AppID))
	if err != nil {
		t.Fatal(err)
	}
	return &imageEnv{Env: e, layers: layers, launcher: launcher}
}

func (e *imageEnv) spec(name, command string) runtime.DynoSpec {
	spec := e.Spec(name, command)
	spec.SlugDir, spec.ImageLayers = "", e.layers
	spec.Env["CNB_PROCESS_TYPE"] = "web"
	return spec
}

func TestImageDyno(t *testing.T) {
	e := newImageEnv(t)
	cmd := `exec /cnb/lifecycle/launcher; echo unreachable`
	if got := mustRun(e.Env, e.spec("web.1", cmd)); got != "launcher layers=/layers app=/workspace type=web" {
		t.Errorf("launcher printed %q", got)
	}
	cmd = `/layers/x/y/bin/hello; pwd; echo $HOME; cat app.txt
touch /layers/x/y/new 2>/dev/null || echo layers-ro
touch /cnb/lifecycle/launcher 2>/dev/null || echo launcher-ro
ls /layers | tr '\n' ' '; echo
echo changed > app.txt && cat /workspace/app.txt; echo mine > /workspace/own; ls /workspace | tr '\n' ' '; echo
grep ^dyno: /etc/passwd | cut -d: -f6`
	want := "hello from the layer|/workspace|/workspace|from the image|layers-ro|launcher-ro|config x |changed|app.txt own |/workspace"
	if got := mustRun(e.Env, e.spec("run.1", cmd)); got != want {
		t.Errorf("output\n%q, want\n%q", got, want)
	}
	// The unpacked image is untouched: the writes went to the dyno's own upper dir.
	if b, _ := os.ReadFile(filepath.Join(e.layers[1], "workspace", "app.txt")); string(b) != "from the image\n" {
		t.Errorf("unpacked app.txt changed to %q", b)
	}
	if _, err := os.Stat(filepath.Join(e.layers[1], "workspace", "own")); err == nil {
		t.Error("a dyno's new file appeared in the unpacked image")
	}
}

// TestImageDynosApart: two dynos of one image, at the same time, each see only their own
// writes to /workspace.
func TestImageDynosApart(t *testing.T) {
	e := newImageEnv(t)
	a := e.spec("web.1", "echo a > /workspace/app.txt; echo a > /workspace/a; echo wrote; exec sleep 60")
	e.MustStart(a)
	e.MustAwait(a.ID, "wrote")
	got := mustRun(e.Env, e.spec("web.2", "cat app.txt; ls /workspace/a 2>/dev/null || echo no-a"))
	if got != "from the image|no-a" {
		t.Errorf("second dyno saw %q, want the image's files only", got)
	}
}

func TestImageDynoRefused(t *testing.T) {
	e := newImageEnv(t)
	missing := e.spec("web.1", "true")
	missing.ImageLayers = []string{filepath.Join(t.TempDir(), "gone")}
	noWorkspace := e.spec("web.1", "true")
	noWorkspace.ImageLayers = e.layers[:1]
	tooMany := e.spec("web.1", "true")
	for range 60 {
		tooMany.ImageLayers = append(tooMany.ImageLayers, e.layers...)
	}
	for name, spec := range map[string]runtime.DynoSpec{"Missing": missing, "NoWorkspace": noWorkspace, "TooManyLayers": tooMany} {
		t.Run(name, func(t *testing.T) {
			if _, err := e.RT.Start(t.Context(), spec); err == nil || !strings.Contains(err.Error(), "code=invalid") {
				e.RT.Stop(t.Context(), spec.ID, 0)
				t.Errorf("Start = %v, want EInvalid", err)
			}
		})
	}
}

// TestImageDynoAdopted: an image dyno keeps its mounts across a runtime restart.
func TestImageDynoAdopted(t *testing.T) {
	e := newImageEnv(t)
	spec := e.spec("web.1", "while :; do cat /workspace/app.txt; sleep 0.1; done")
	e.MustStart(spec)
	e.MustAwait(spec.ID, "from the image")
	e.RT.Close()
	out := runtimetest.NewCollector()
	second, err := runc.New(t.Context(), runc.Config{Root: e.State, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet, Output: out.Add, Launcher: e.launcher})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if list, err := second.List(t.Context()); err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if !out.Await(t.Context(), spec.ID, "from the image") {
		t.Error("the adopted dyno's output did not come")
	}
	if _, err := second.Stop(t.Context(), spec.ID, time.Second); err != nil {
		t.Fatal(err)
	}
}
