package runc_test

import (
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// mustLinkLocal returns the fe80:: address of dev (in network namespace ns, "" for the
// host) once duplicate address detection has finished with it.
func mustLinkLocal(t *testing.T, ns, dev string) string {
	t.Helper()
	args := []string{"-6", "-o", "addr", "show", "dev", dev, "scope", "link"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		f := strings.Fields(string(out))
		for i, w := range f {
			if w == "inet6" && i+1 < len(f) && !strings.Contains(string(out), "tentative") {
				addr, _, _ := strings.Cut(f[i+1], "/")
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has no usable link-local address: %q", dev, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// listen opens a TCP listener on addr that accepts and closes connections.
func listen(t *testing.T, network, addr string) string {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// TestNetworkIsolationIPv6: host services listening on [::] or on the bridge's fe80::
// address are out of a dyno's reach, over IPv6 and over IPv4.
func TestNetworkIsolationIPv6(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	// A running dyno gives the bridge a port, hence carrier and its link-local address.
	keep := e.Spec("web.1", "sleep 60")
	e.MustStart(keep)
	gwLL := mustLinkLocal(t, "", testBridge)
	anyPort := listen(t, "tcp", "[::]:0")
	llPort := listen(t, "tcp6", net.JoinHostPort(gwLL+"%"+testBridge, "0"))
	gateway := testSubnet.Addr().Next().String()
	t.Run("IPv6Off", func(t *testing.T) {
		e := e.For(t)
		if got := mustRun(e, e.Spec("run.1", "cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6; grep -c eth0 /proc/net/if_inet6")); got != "1|0" {
			t.Errorf("disable_ipv6 and IPv6 addresses of eth0 = %q, want 1|0", got)
		}
	})
	for _, tt := range []struct{ name, addr string }{
		{"AnyOverIPv4", net.JoinHostPort(gateway, anyPort)},
		{"AnyOverLinkLocal", net.JoinHostPort(gwLL+"%eth0", anyPort)},
		{"LinkLocalListener", net.JoinHostPort(gwLL+"%eth0", llPort)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := e.For(t)
			if got := mustRun(e, e.Spec("run.2", probe(tt.addr))); got != "blocked" {
				t.Errorf("dyno reaching host %s: %q, want blocked", tt.addr, got)
			}
		})
	}
}

// TestBridgeRulesBlockIPv6 checks the nftables layer alone: from a namespace on the bridge
// with IPv6 on (a lent namespace, no container sysctls), the host's [::] and fe80::
// listeners are out of reach; with the bridge's input rules flushed they are reachable (so
// the path works and the block is the rules' doing); reloaded, they are blocked again.
func TestBridgeRulesBlockIPv6(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	rt := e.RT.(*runc.Runtime)
	ns, err := rt.AttachNamespace(t.Context(), "v6probe")
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Release()
	mustLinkLocal(t, ns.Name, "eth0")
	gwLL := mustLinkLocal(t, "", testBridge)
	anyPort := listen(t, "tcp", "[::]:0")
	llPort := listen(t, "tcp6", net.JoinHostPort(gwLL+"%"+testBridge, "0"))
	targets := []string{net.JoinHostPort(gwLL+"%eth0", anyPort), net.JoinHostPort(gwLL+"%eth0", llPort)}
	check := func(want string) {
		t.Helper()
		for _, addr := range targets {
			out, err := exec.Command("ip", "netns", "exec", ns.Name, "/bin/sh", "-c", probe(addr)).CombinedOutput()
			if got := strings.TrimSpace(string(out)); err != nil || got != want {
				t.Errorf("namespace reaching host %s: %q (%v), want %s", addr, got, err, want)
			}
		}
	}
	check("blocked")
	if out, err := exec.Command("nft", "flush", "chain", "inet", "bera_"+testBridge, "input").CombinedOutput(); err != nil {
		t.Fatalf("flush the input rules: %v: %s", err, out)
	}
	check("connected")
	// A new runtime on the bridge loads the rules again.
	newRuntime(t, t.TempDir(), nil)
	check("blocked")
}
