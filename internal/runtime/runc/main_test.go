package runc_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// Tests use their own prefix, bridge and subnet, so they never touch a server's dynos.
const (
	testPrefix = "berat-"
	testBridge = "berat0"
)

var testSubnet = netip.MustParsePrefix("10.87.0.0/16")

func TestMain(m *testing.M) {
	code := m.Run()
	if runc.Available() == nil {
		if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "runc tests left behind:\n  %s\n", strings.Join(left, "\n  "))
			code = 1
		}
		if err := runc.RemoveNetwork(context.Background(), testBridge); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

// Require skips the test without runc, ip and nft (fails it under CI=true).
func Require(tb testing.TB) {
	tb.Helper()
	if err := runc.Available(); err != nil {
		runtimetest.Skip(tb, "apt-get install -y runc iproute2 nftables (and run as root): "+err.Error())
	}
}

// newRuntime is the runtimetest.Factory of the runc backend. Its cleanup stops every dyno.
func newRuntime(t *testing.T, state string, out func(runtime.Line)) runtime.Runtime {
	Require(t)
	rt, err := runc.New(t.Context(), runc.Config{Root: state, Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		list, _ := rt.List(ctx)
		for _, st := range list {
			if _, err := rt.Stop(ctx, st.ID, time.Second); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		rt.Close()
	})
	return rt
}

func TestConformance(t *testing.T) {
	runtimetest.Run(t, newRuntime)
}
