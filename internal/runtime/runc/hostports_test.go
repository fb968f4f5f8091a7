package runc_test

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// TestHostPorts: a dyno reaches the gateway on the ports given to its app, and a dyno of
// another app, or on another port, does not; a running dyno follows a change.
func TestHostPorts(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	ha, ok := e.RT.(runtime.HostAccess)
	if !ok {
		t.Fatal("the runc runtime does not implement runtime.HostAccess")
	}
	gw := ha.HostAddress()
	if want := testSubnet.Addr().Next(); gw != want {
		t.Fatalf("HostAddress = %s, want the gateway %s", gw, want)
	}
	allowed := net.JoinHostPort(gw.String(), listen(t, "tcp4", net.JoinHostPort(gw.String(), "0")))
	other := net.JoinHostPort(gw.String(), listen(t, "tcp4", net.JoinHostPort(gw.String(), "0")))
	port, _ := strconv.Atoi(mustPort(allowed))

	// A dyno of app A running before the grant waits for it.
	waiter := e.Spec("run.0", waitFor(allowed))
	e.MustStart(waiter)
	if err := ha.SetHostPorts(map[string][]int{e.AppID: {port}}); err != nil {
		t.Fatal(err)
	}
	e.MustWait(waiter.ID)
	if got := e.Out.Lines(waiter.ID, runtime.Stdout); len(got) != 1 || got[0] != "connected" {
		t.Errorf("running dyno of the app after the grant: %q, want connected", got)
	}

	appB := func(spec runtime.DynoSpec) runtime.DynoSpec { spec.AppID += "-b"; return spec }
	tests := []struct {
		name string
		spec runtime.DynoSpec
		want string
	}{
		{"SameApp", e.Spec("run.1", probe(allowed)), "connected"},
		{"SameAppOtherPort", e.Spec("run.2", probe(other)), "blocked"},
		{"OtherApp", appB(e.Spec("run.3", probe(allowed))), "blocked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.For(t)
			if got := mustRun(e, tt.spec); got != tt.want {
				t.Errorf("dyno of %s: %q, want %s", tt.spec.AppID, got, tt.want)
			}
		})
	}
	t.Run("Revoked", func(t *testing.T) {
		e := e.For(t)
		if err := ha.SetHostPorts(nil); err != nil {
			t.Fatal(err)
		}
		if got := mustRun(e, e.Spec("run.4", probe(allowed))); got != "blocked" {
			t.Errorf("dyno of the app after the grant was withdrawn: %q, want blocked", got)
		}
	})
	if err := ha.SetHostPorts(map[string][]int{e.AppID: {0}}); err == nil {
		t.Error("SetHostPorts accepted port 0")
	}
}

func mustPort(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// waitFor is a dyno command that tries to connect to addr for up to 20 s and prints
// connected once it does.
func waitFor(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf(`%s -c "import socket, time
end = time.time() + 20
while time.time() < end:
    try:
        socket.create_connection(('%s', %s), timeout=0.5); print('connected'); break
    except OSError:
        time.sleep(0.1)
else:
    print('gave up')"`, runtimetest.Python, host, port)
}
