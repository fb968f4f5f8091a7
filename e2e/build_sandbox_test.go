package e2e_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// uidBuildpack is a custom buildpack that prints the uid its compile step runs as, and
// allocates 512 MiB when the app has a file named hog.
var uidBuildpack = map[string]string{
	"bin/detect":  "#!/bin/sh\necho UID-Printer\n",
	"bin/compile": "#!/bin/sh\necho \"       build uid=$(id -u)\"\nif [ -f \"$1/hog\" ]; then python3 -c 'x = b\"x\" * (512 << 20)'; fi\n",
	"bin/release": "#!/bin/sh\necho '--- {}'\n",
}

// TestRunc_BuildSandbox pushes to a server with --runtime runc: the build steps run in the
// sandbox as the app's uid (not root), and a step past --build-memory fails the push with
// a clear message and leaves nothing behind.
func TestRunc_BuildSandbox(t *testing.T) {
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	beratest.Require(t, "python3", "apt-get install python3")
	n := rand.IntN(9000) + 1000
	bridge, subnet := fmt.Sprintf("beras%d", n), fmt.Sprintf("10.103.%d.0/24", n%250)
	args := []string{"--runtime", "runc", "--runc-bridge", bridge, "--runc-subnet", subnet, "--build-memory", "256M", "--allow-local-buildpacks"}
	t.Cleanup(func() { runc.RemoveNetwork(context.Background(), bridge) })
	env := beratest.NewWith(t, beratest.Options{Args: args})
	dataDir := env.DataDir
	t.Cleanup(func() { removeContainers(t, dataDir, bridge, subnet) })

	bp := t.TempDir()
	for name, body := range uidBuildpack {
		if err := os.MkdirAll(filepath.Join(bp, "bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bp, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "bp"}} {
		if out, err := exec.Command("git", append([]string{"-C", bp}, a...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", a, err, out)
		}
	}

	env.Bera(t, "", nil, "apps:create", "sandboxed")
	dir := env.SampleApp(t, "procfile-hello", "sandboxed")
	appJSON := fmt.Sprintf(`{"buildpacks": [{"url": "file://%s"}]}`, bp)
	if err := os.WriteFile(filepath.Join(dir, "app.json"), []byte(appJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	env.Commit(t, dir, "custom buildpack")
	out, err := env.Push(t, dir, "main")
	if err != nil {
		t.Fatalf("git push: %v\n%s\n%s", err, out, env.Stderr.String())
	}
	m := regexp.MustCompile(`build uid=(\d+)`).FindStringSubmatch(out)
	if m == nil || m[1] == "0" {
		t.Fatalf("build step uid = %v, want a non-root uid in the push output:\n%s", m, out)
	}
	t.Logf("build step ran as uid %s", m[1])
	env.WaitBody(t, "sandboxed", "/", "hello from procfile")

	if err := os.WriteFile(filepath.Join(dir, "hog"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	env.Commit(t, dir, "hog memory")
	out, err = env.Push(t, dir, "main")
	if err == nil {
		t.Fatalf("git push of a memory hog succeeded:\n%s", out)
	}
	if want := "Build exceeded its memory limit of 256 MiB"; !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(out) {
		t.Errorf("push output lacks %q:\n%s", want, out)
	}
	env.MustBera(t, "ps:scale", "web=0", "-a", "sandboxed")
	beratest.Eventually(t, time.Minute, "no dyno left", func() bool { return noContainers(t, dataDir) })
	if left, _ := filepath.Glob(filepath.Join(dataDir, "runc", "builds", "*")); len(left) > 0 {
		t.Errorf("build sandboxes left behind: %v", left)
	}
}

// TestRunc_MachineCache pushes a Go app to a runc server sharing the tests' machine build
// cache: its first build finds the standard library in the machine layer (the app's own
// layer stays small).
func TestRunc_MachineCache(t *testing.T) {
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	beratest.Require(t, "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go")
	n := rand.IntN(9000) + 1000
	bridge, subnet := fmt.Sprintf("beras%d", n), fmt.Sprintf("10.103.%d.0/24", n%250)
	t.Cleanup(func() { runc.RemoveNetwork(context.Background(), bridge) })
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--runtime", "runc", "--runc-bridge", bridge, "--runc-subnet", subnet}})
	dataDir := env.DataDir
	t.Cleanup(func() { removeContainers(t, dataDir, bridge, subnet) })

	env.Bera(t, "", nil, "apps:create", "layered")
	dir := env.SampleApp(t, "go-hello", "layered")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s\n%s", err, out, env.Stderr.String())
	}
	env.WaitBody(t, "layered", "/", "hello from go")
	// The build waited for the server's warm-up, if it was still running.
	machineFiles := countFiles(filepath.Join(beratest.MachineCache(), "go"))
	layers, _ := filepath.Glob(filepath.Join(dataDir, "cache", "*.layers"))
	if len(layers) != 1 {
		t.Fatalf("app layers %v, want one", layers)
	}
	appFiles := countFiles(layers[0])
	t.Logf("machine layer %d files, app layer %d files", machineFiles, appFiles)
	if appFiles == 0 || appFiles*10 > machineFiles {
		t.Errorf("app layer has %d files beside the machine layer's %d: std was compiled again", appFiles, machineFiles)
	}
	env.MustBera(t, "ps:scale", "web=0", "-a", "layered")
	beratest.Eventually(t, time.Minute, "no dyno left", func() bool { return noContainers(t, dataDir) })
}

// countFiles counts the regular files under dir.
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}
