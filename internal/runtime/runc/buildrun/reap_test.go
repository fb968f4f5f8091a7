package buildrun_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

// orphanEnv names the runtime root of the test binary run as a build server that is
// killed during a step (see TestReapOrphanedSandbox).
const orphanEnv = "BERA_TEST_ORPHAN_BUILD_ROOT"

// runOrphanHelper runs a step that prints its address and sleeps, until it is killed.
func runOrphanHelper(root string) {
	ctx := context.Background()
	rt, err := runc.New(ctx, runc.Config{Root: root, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r, err := buildrun.New(buildrun.Config{Runtime: rt, UID: testUID})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	err = r.Run(ctx, build.Step{Name: "compile", Path: "/bin/sh", Dir: "/tmp", Stdout: os.Stdout, Stderr: os.Stderr,
		Args: []string{"-c", "ip -4 -o addr show dev eth0 | tr -s ' ' | cut -d' ' -f4; sleep 1000"},
		Env:  []string{"PATH=/usr/sbin:/usr/bin:/bin"}})
	fmt.Fprintln(os.Stderr, "step ended:", err)
	os.Exit(2)
}

// TestReapOrphanedSandbox: a server killed during a build step leaves the step's
// container, namespace and address behind; the next runtime on the same root removes them
// and hands the address out again.
func TestReapOrphanedSandbox(t *testing.T) {
	newRuntime(t) // skips without runc; makes the bridge
	root := t.TempDir()
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), orphanEnv+"="+root)
	helper.Stderr = os.Stderr
	stdout, _ := helper.StdoutPipe()
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		helper.Process.Kill()
		helper.Wait()
		t.Fatalf("the step did not start: %v", err)
	}
	addr := strings.TrimSpace(line)
	helper.Process.Kill() // only the server: its runc and the container keep running
	helper.Wait()
	if left := runc.Leftovers(testPrefix, testBridge); !strings.Contains(strings.Join(left, "\n"), "netns "+testPrefix+"build-") {
		t.Fatalf("the killed server left no sandbox behind (%v): the test proves nothing", left)
	}

	rt, err := runc.New(t.Context(), runc.Config{Root: root, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	// runc run, the killed server's child, exits once its container is gone.
	var left []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if left = runc.Leftovers(testPrefix, testBridge); len(left) == 0 {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("left after a new runtime started:\n  %s", strings.Join(left, "\n  "))
	}
	if dirs, _ := filepath.Glob(filepath.Join(root, "builds", "*")); len(dirs) > 0 {
		t.Errorf("sandbox directories left: %v", dirs)
	}
	// The new runtime starts from the first address, the one the orphan had: it is free.
	ns, err := rt.AttachNamespace(t.Context(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Release()
	out, err := exec.Command("ip", "-n", ns.Name, "-4", "-o", "addr", "show", "dev", "eth0").CombinedOutput()
	if err != nil || !strings.Contains(string(out), " "+addr+" ") {
		t.Errorf("new namespace has %q (%v), want the orphan's address %s", out, err, addr)
	}
}
