package runc_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

var (
	spaceA = netip.MustParsePrefix("10.86.1.0/24")
	spaceB = netip.MustParsePrefix("10.86.2.0/24")
)

// TestSpaces: dynos of one space reach each other; the common runtime's dynos and another
// space's reach neither; a space's dynos reach no host service over IPv4 or IPv6 (the
// space bridge's fe80:: address included) but its resolver's port; RemoveNetwork refuses
// while dynos run and then removes the bridge and its rules.
func TestSpaces(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	rt := e.RT.(*runc.Runtime)
	ctx := t.Context()
	for name, subnet := range map[string]netip.Prefix{"test-space-a": spaceA, "test-space-b": spaceB} {
		if _, err := rt.EnsureNetwork(ctx, name, subnet); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { runc.RemoveNetwork(context.Background(), runc.SpaceBridge(name)) })
	}
	if _, err := rt.EnsureNetwork(ctx, "test-space-c", netip.MustParsePrefix("10.86.1.128/25")); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("EnsureNetwork overlapping space A: %v, want EInvalid", err)
	}
	if _, err := rt.EnsureNetwork(ctx, "test-space-c", testSubnet); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("EnsureNetwork on the common subnet: %v, want EInvalid", err)
	}
	// Idempotent, as at every server start.
	gwA, err := rt.EnsureNetwork(ctx, "test-space-a", spaceA)
	if err != nil || gwA != spaceA.Addr().Next() {
		t.Fatalf("EnsureNetwork again = %s, %v; want %s", gwA, err, spaceA.Addr().Next())
	}

	web := e.Spec("web.1", runtimetest.ServeCommand)
	web.Network = "test-space-a"
	st := e.MustStart(web)
	e.MustAwait(web.ID, "listening")
	if ap := netip.MustParseAddrPort(st.Addr); !spaceA.Contains(ap.Addr()) {
		t.Fatalf("dyno of space A at %s, want an address of %s", st.Addr, spaceA)
	}
	if got := runtimetest.MustGet(t, st.Addr); got != "hello from web.1" {
		t.Errorf("host (the router) reaching a space dyno: %q", got)
	}
	gwLL := mustLinkLocal(t, "", runc.SpaceBridge("test-space-a"))
	anyPort := listen(t, "tcp", "[::]:0")
	dnsPort := listen(t, "tcp", net.JoinHostPort(gwA.String(), "53"))

	for _, tt := range []struct {
		name, network, addr, want string
	}{
		{"SameSpace", "test-space-a", st.Addr, "connected"},
		{"OtherSpace", "test-space-b", st.Addr, "blocked"},
		{"CommonRuntime", "", st.Addr, "blocked"},
		{"HostOverGateway", "test-space-a", net.JoinHostPort(gwA.String(), anyPort), "blocked"},
		{"HostOverCommonGateway", "test-space-a", net.JoinHostPort(testSubnet.Addr().Next().String(), anyPort), "blocked"},
		{"HostOverLinkLocal", "test-space-a", net.JoinHostPort(gwLL+"%eth0", anyPort), "blocked"},
		{"Resolver", "test-space-a", net.JoinHostPort(gwA.String(), dnsPort), "connected"},
		{"OtherSpacesResolver", "test-space-b", net.JoinHostPort(gwA.String(), dnsPort), "blocked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := e.For(t)
			spec := e.Spec("run.1", probe(tt.addr))
			spec.Network = tt.network
			if got := mustRun(e, spec); got != tt.want {
				t.Errorf("dyno in %q reaching %s: %q, want %s", tt.network, tt.addr, got, tt.want)
			}
		})
	}
	t.Run("ResolvConf", func(t *testing.T) {
		e := e.For(t)
		spec := e.Spec("run.1", "cat /etc/resolv.conf")
		spec.Network = "test-space-a"
		if got := mustRun(e, spec); !strings.HasPrefix(got, "nameserver "+gwA.String()+"|") || strings.Count(got, "nameserver") != 1 {
			t.Errorf("resolv.conf of a space dyno = %q, want its space's resolver", got)
		}
	})

	if err := rt.RemoveNetwork(ctx, "test-space-a", spaceA); bera.ErrorCode(err) != bera.EConflict {
		t.Errorf("RemoveNetwork with a dyno on it: %v, want EConflict", err)
	}
	list, _ := rt.List(ctx)
	for _, d := range list {
		if _, err := rt.Stop(ctx, d.ID, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.RemoveNetwork(ctx, "test-space-a", spaceA); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/sys/class/net/" + runc.SpaceBridge("test-space-a")); err == nil {
		t.Error("space A's bridge is still there")
	}
	if out, _ := exec.Command("nft", "list", "tables").Output(); strings.Contains(string(out), runc.SpaceBridge("test-space-a")) {
		t.Errorf("space A's rules are still there:\n%s", out)
	}
	spec := e.Spec("web.2", "sleep 5")
	spec.Network = "test-space-a"
	if _, err := rt.Start(ctx, spec); bera.ErrorCode(err) != bera.EUnavailable {
		t.Errorf("Start in a removed space: %v, want EUnavailable", err)
	}
}
