package runc_test

import (
	"context"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
)

var loadRE = regexp.MustCompile(`rps=(\d+) p50us=(\d+) p99us=(\d+)`)

// loadSlug builds testdata/loadclient into a slug directory the dynos can run.
func loadSlug(b *testing.B) string {
	dir := b.TempDir()
	os.Chmod(dir, 0o755)
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "loadclient"), "./testdata/loadclient")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build loadclient: %v\n%s", err, out)
	}
	return dir
}

func reportLoad(b *testing.B, out string) {
	b.Helper()
	m := loadRE.FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("loadclient printed %q", out)
	}
	for i, unit := range []string{"req/s", "p50-µs", "p99-µs"} {
		v, _ := strconv.Atoi(m[i+1])
		b.ReportMetric(float64(v), unit)
	}
}

// benchServer starts a Go HTTP dyno in network ("" for the common runtime).
func benchServer(b *testing.B, rt *runc.Runtime, slug, network string) runtime.Status {
	spec := runtime.DynoSpec{ID: "loadsrv", App: "bench", AppID: "app-bench", Name: "web.1", Type: "web",
		Command: "./loadclient -serve", SlugDir: slug, Network: network}
	st, err := rt.Start(b.Context(), spec)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Stop(context.Background(), spec.ID, 0) })
	ap := netip.MustParseAddrPort(st.Addr)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if out, err := exec.Command(filepath.Join(slug, "loadclient"), "-c", "1", "-d", "10ms", "http://"+ap.String()+"/").Output(); err == nil && loadRE.Match(out) {
			return st
		}
		if time.Now().After(deadline) {
			b.Fatalf("the load server at %s never answered", ap)
		}
	}
}

func benchRuntime(b *testing.B) *runc.Runtime {
	Require(b)
	rt, err := runc.New(b.Context(), runc.Config{Root: b.TempDir(), Prefix: testPrefix, Bridge: testBridge, Subnet: testSubnet})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rt.Close() })
	return rt
}

// BenchmarkSpaceDynoToDyno: requests per second from one dyno of a Private Space to
// another across the space's bridge (8 keep-alive connections, 3 s per iteration).
func BenchmarkSpaceDynoToDyno(b *testing.B) {
	rt := benchRuntime(b)
	if _, err := rt.EnsureNetwork(b.Context(), "bench-space", spaceA); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { runc.RemoveNetwork(context.Background(), runc.SpaceBridge("bench-space")) })
	slug := loadSlug(b)
	srv := benchServer(b, rt, slug, "bench-space")
	for i := 0; b.Loop(); i++ {
		sess, err := rt.Attach(b.Context(), runtime.DynoSpec{ID: "loadcli" + strconv.Itoa(i), App: "bench", AppID: "app-bench",
			Name: "run.1", Type: "run", Command: "./loadclient -c 8 -d 3s http://" + srv.Addr + "/", SlugDir: slug, Network: "bench-space"}, false)
		if err != nil {
			b.Fatal(err)
		}
		sess.Stdin.Close()
		var sb strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := sess.Stdout.Read(buf)
			sb.Write(buf[:n])
			if err != nil {
				break
			}
		}
		rt.Stop(context.Background(), "loadcli"+strconv.Itoa(i), 0)
		sess.Close()
		b.StopTimer()
		reportLoad(b, sb.String())
		b.StartTimer()
	}
}

// BenchmarkCommonHostToDyno is the common runtime's path for comparison: its dynos cannot
// reach each other at all, so the load comes from the host (as the router's does).
func BenchmarkCommonHostToDyno(b *testing.B) {
	rt := benchRuntime(b)
	slug := loadSlug(b)
	srv := benchServer(b, rt, slug, "")
	for b.Loop() {
		out, err := exec.Command(filepath.Join(slug, "loadclient"), "-c", "8", "-d", "3s", "http://"+srv.Addr+"/").Output()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		reportLoad(b, string(out))
		b.StartTimer()
	}
}

// dnsLoop, run in a dyno, resolves argv[1] argv[2] times through the dyno's resolver and
// prints the mean microseconds per lookup.
const dnsLoop = `import socket, sys, time
n = int(sys.argv[2])
t0 = time.perf_counter()
for _ in range(n):
    socket.getaddrinfo(sys.argv[1], 80, socket.AF_INET, socket.SOCK_STREAM)
print("us=%d" % ((time.perf_counter() - t0) / n * 1e6))`

var dnsRE = regexp.MustCompile(`us=(\d+)`)

// BenchmarkSpaceDNSFromDyno: the latency of a name lookup from inside a dyno of a Private
// Space, through glibc and across the bridge to the space's resolver on its gateway
// (1,000 lookups per iteration, mean per lookup).
func BenchmarkSpaceDNSFromDyno(b *testing.B) {
	rt := benchRuntime(b)
	gw, err := rt.EnsureNetwork(b.Context(), "bench-dns", spaceB)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { runc.RemoveNetwork(context.Background(), runc.SpaceBridge("bench-dns")) })
	dns, err := spacedns.New(spacedns.Config{Listen: []string{net.JoinHostPort(gw.String(), "53")}, Forward: []string{"127.0.0.1:1"}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { dns.Close() })
	dns.Set([]spacedns.Record{{App: "api", Process: "web", Dyno: 1, Addr: spaceB.Addr().Next().Next()},
		{App: "api", Process: "web", Dyno: 2, Addr: spaceB.Addr().Next().Next().Next()}})
	slug := b.TempDir()
	os.Chmod(slug, 0o755)
	for i := 0; b.Loop(); i++ {
		id := "dnsbench" + strconv.Itoa(i)
		sess, err := rt.Attach(b.Context(), runtime.DynoSpec{ID: id, App: "bench", AppID: "app-bench", Name: "run.1", Type: "run",
			Command: runtimetest.Python + " -c '" + dnsLoop + "' web.api.app.localspace 1000", SlugDir: slug, Network: "bench-dns"}, false)
		if err != nil {
			b.Fatal(err)
		}
		sess.Stdin.Close()
		out, _ := io.ReadAll(sess.Stdout)
		rt.Stop(context.Background(), id, 0)
		sess.Close()
		b.StopTimer()
		m := dnsRE.FindStringSubmatch(string(out))
		if m == nil {
			b.Fatalf("lookup loop printed %q", out)
		}
		v, _ := strconv.Atoi(m[1])
		b.ReportMetric(float64(v), "µs/lookup")
		b.StartTimer()
	}
}
