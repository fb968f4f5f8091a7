package runc_test

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// mustRun runs command in a fresh dyno of e and returns its stdout lines joined by "|".
func mustRun(e *runtimetest.Env, spec runtime.DynoSpec) string {
	e.T.Helper()
	e.MustStart(spec)
	e.MustWait(spec.ID)
	return strings.Join(e.Out.Lines(spec.ID, runtime.Stdout), "|")
}

func TestIsolation(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	tests := []struct {
		name, command, want string
	}{
		{"NonRootUser", "id -u; id -g", fmt.Sprintf("%[1]d|%[1]d", runtime.AppUID("app-"+t.Name()))},
		{"NoCapabilities", "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t' ' '",
			"CapInh: 0000000000000000|CapPrm: 0000000000000000|CapEff: 0000000000000000|CapBnd: 0000000000000000|CapAmb: 0000000000000000|NoNewPrivs: 1|Seccomp: 2"},
		{"StackReadOnly", "touch /usr/x 2>/dev/null || echo usr-ro; touch /etc/x 2>/dev/null || echo etc-ro; touch /x 2>/dev/null || echo root-ro", "usr-ro|etc-ro|root-ro"},
		{"AppAndTmpWritable", "echo hi > /app/new && echo app-rw; echo hi > /tmp/new && echo tmp-rw; stat -c %a /tmp", "app-rw|tmp-rw|1777"},
		{"NoHostProcesses", "[ $(ls /proc | grep -c '^[0-9]') -lt 10 ] && echo few; cat /proc/1/comm", "few|bash"},
		{"OwnEtc", "cat /etc/shadow 2>/dev/null || echo no-shadow; grep -c . /etc/passwd", "no-shadow|3"},
		{"NoHostDataDir", fmt.Sprintf("ls %s 2>/dev/null || echo no-data-dir", e.State), "no-data-dir"},
		{"NoDevices", "ls /dev/sda /dev/vda /dev/mem 2>/dev/null | wc -l", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.For(t)
			if got := mustRun(e, e.Spec("run.1", tt.command)); got != tt.want {
				t.Errorf("output = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppResetsOnRestart(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	// The slug package extracts slugs owned by the app's uid, so dynos can change /app.
	uid := runtime.AppUID("app-" + t.Name())
	for _, p := range []string{e.Slug, filepath.Join(e.Slug, "secret.txt")} {
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustRun(e, e.Spec("run.1", "echo changed > /app/secret.txt; echo new > /app/new; cat /app/secret.txt")); got != "changed" {
		t.Fatalf("first dyno saw %q", got)
	}
	if got := mustRun(e, e.Spec("run.2", "cat /app/secret.txt; ls /app/new 2>/dev/null || echo gone")); got != "slug-secret|gone" {
		t.Errorf("second dyno saw %q, want the slug unchanged", got)
	}
	if b, _ := os.ReadFile(filepath.Join(e.Slug, "secret.txt")); string(b) != "slug-secret\n" {
		t.Errorf("slug on the host changed to %q", b)
	}
}

func TestOtherAppsFilesHidden(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	other := runtimetest.MustSlug(t)
	os.WriteFile(filepath.Join(other, "secret.txt"), []byte("other-app-secret\n"), 0o644)
	cmd := fmt.Sprintf("cat %s/secret.txt 2>/dev/null || echo hidden; cat /app/secret.txt", other)
	if got := mustRun(e, e.Spec("run.1", cmd)); got != "hidden|slug-secret" {
		t.Errorf("output = %q, want the other slug hidden", got)
	}
}

func TestOwnAddresses(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	a, b := e.Spec("web.1", runtimetest.ServeCommand), e.Spec("web.2", runtimetest.ServeCommand)
	sa, sb := e.MustStart(a), e.MustStart(b)
	for _, st := range []runtime.Status{sa, sb} {
		ap, err := netip.ParseAddrPort(st.Addr)
		if err != nil || !testSubnet.Contains(ap.Addr()) || ap.Port() != 5000 {
			t.Errorf("Addr = %q, want IP:5000 in %s", st.Addr, testSubnet)
		}
	}
	if sa.Addr == sb.Addr {
		t.Errorf("both dynos at %s", sa.Addr)
	}
}

// probe is a dyno command that prints whether a TCP connection to addr opens within 2 s.
func probe(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf(`%s -c "import socket
try:
    socket.create_connection(('%s', %s), timeout=2); print('connected')
except OSError:
    print('blocked')"`, runtimetest.Python, host, port)
}

func TestNetworkIsolation(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	target := e.Spec("web.1", runtimetest.ServeCommand)
	st := e.MustStart(target)
	e.MustAwait(target.ID, "listening")
	// A host service listening on every address, as the API or a database might.
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	gateway := testSubnet.Addr().Next().String()
	hostAddr := net.JoinHostPort(gateway, fmt.Sprint(l.Addr().(*net.TCPAddr).Port))
	t.Run("FromHost", func(t *testing.T) {
		if got := runtimetest.MustGet(t, st.Addr); got != "hello from web.1" {
			t.Errorf("host got %q", got)
		}
	})
	t.Run("OtherDyno", func(t *testing.T) {
		e := e.For(t)
		if got := mustRun(e, e.Spec("run.1", probe(st.Addr))); got != "blocked" {
			t.Errorf("another dyno reaching %s: %q, want blocked", st.Addr, got)
		}
	})
	t.Run("HostServices", func(t *testing.T) {
		e := e.For(t)
		if got := mustRun(e, e.Spec("run.2", probe(hostAddr))); got != "blocked" {
			t.Errorf("dyno reaching host %s: %q, want blocked", hostAddr, got)
		}
	})
}

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

func TestStopCleansUp(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	spec := e.Spec("web.1", "sleep 1000")
	e.MustStart(spec)
	if _, err := e.RT.Stop(t.Context(), spec.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	cid := testPrefix + spec.ID
	for _, p := range []string{"/var/run/netns/" + cid, "/sys/fs/cgroup/memory/bera/" + cid, filepath.Join(e.State, "dynos", spec.ID)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s still exists after Stop", p)
		}
	}
	if list, _ := e.RT.List(t.Context()); len(list) != 0 {
		t.Errorf("List after Stop = %+v", list)
	}
}

// TestAddressesGoRound: a dyno started after another stopped gets a new address, not the
// one just freed, which the host may still know by the old dyno's link.
func TestAddressesGoRound(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	first := e.MustStart(e.Spec("web.1", "sleep 30"))
	if _, err := e.RT.Stop(t.Context(), first.ID, 0); err != nil {
		t.Fatal(err)
	}
	second := e.MustStart(e.Spec("web.2", "sleep 30"))
	if first.Addr == "" || second.Addr == first.Addr {
		t.Errorf("second dyno got %q after the first had %q, want another address", second.Addr, first.Addr)
	}
}
