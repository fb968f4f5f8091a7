package buildrun_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// Tests use their own prefix, bridge and subnet, apart from servers' and the runc tests'.
const (
	testPrefix = "berab-"
	testBridge = "berab0"
)

var testSubnet = netip.MustParsePrefix("10.86.0.0/16")

func TestMain(m *testing.M) {
	if root := os.Getenv(orphanEnv); root != "" {
		runOrphanHelper(root)
	}
	code := m.Run()
	if runc.Available() == nil {
		if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "build sandbox tests left behind:\n  %s\n", strings.Join(left, "\n  "))
			code = 1
		}
		if err := runc.RemoveNetwork(context.Background(), testBridge); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// newRuntime returns a runc runtime on the tests' bridge (skipping without runc, failing
// under CI=true).
func newRuntime(t *testing.T) *runc.Runtime {
	t.Helper()
	if err := runc.Available(); err != nil {
		runtimetest.Skip(t, "apt-get install -y runc iproute2 nftables (and run as root): "+err.Error())
	}
	rt, err := runc.New(t.Context(), runc.Config{Root: t.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// noBuildsLeft fails the test when a step's directory is left in the runtime's root.
func noBuildsLeft(t *testing.T, rt *runc.Runtime) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(rt.Root(), "builds", "*"))
	if len(left) > 0 {
		t.Errorf("step directories left behind: %v", left)
	}
}
