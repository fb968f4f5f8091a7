// Package pebbletest runs Pebble, the ACME test CA, on loopback for tests: a DNS server of
// the test's own resolves every name to 127.0.0.1 (on UDP and TCP, as Pebble's VA asks over
// both), so HTTP-01 challenges reach whatever listens on the port given to Start.
//
// Pebble is a binary: `go install github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.1`.
// Without it New skips the test (fails it under CI=true).
package pebbletest

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// Install is the command that installs Pebble.
const Install = "go install github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.1"

// Pebble is a Pebble ACME CA, addressed before it starts so servers can be pointed at it.
type Pebble struct {
	DirURL   string // ACME directory URL
	RootFile string // PEM root of Pebble's own HTTPS listener (trust it to talk ACME)
	// ValiditySeconds is the lifetime of issued certificates (default 90 days); set it
	// before Start.
	ValiditySeconds int

	listen, mgmt string
	bin          string
}

// New picks free loopback addresses for Pebble without starting it.
func New(t testing.TB) *Pebble {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := &Pebble{RootFile: filepath.Join(filepath.Dir(file), "testdata", "pebble.minica.pem"), bin: binary(t),
		listen: freeAddr(t), mgmt: freeAddr(t), ValiditySeconds: 90 * 24 * 3600}
	p.DirURL = "https://" + p.listen + "/dir"
	return p
}

// Start runs Pebble, validating HTTP-01 challenges on httpPort of 127.0.0.1, until the
// test ends; it returns once the directory answers.
func (p *Pebble) Start(t testing.TB, httpPort int) {
	t.Helper()
	cfgFile := p.writeConfig(t, httpPort)
	cmd := exec.Command(p.bin, "-config", cfgFile, "-dnsserver", startDNS(t))
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	logFile, err := os.Create(filepath.Join(t.TempDir(), "pebble.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pebble: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(logFile.Name())
			t.Logf("pebble log:\n%s", out)
		}
	})
	c := p.Client(t)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		resp, err := c.Get(p.DirURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble did not answer: %v", err)
		}
	}
}

func (p *Pebble) writeConfig(t testing.TB, httpPort int) string {
	dir := filepath.Dir(p.RootFile)
	_, tlsPort, _ := net.SplitHostPort(freeAddr(t))
	tp, _ := strconv.Atoi(tlsPort)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": p.listen, "managementListenAddress": p.mgmt,
		"certificate": filepath.Join(dir, "cert.pem"), "privateKey": filepath.Join(dir, "key.pem"),
		"httpPort": httpPort, "tlsPort": tp, "externalAccountBindingRequired": false,
		"retryAfter": map[string]int{"authz": 1, "order": 1},
		"profiles":   map[string]any{"default": map[string]any{"description": "test", "validityPeriod": p.ValiditySeconds}},
	}}
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "pebble.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Roots returns a pool holding the root of Pebble's own HTTPS listener.
func (p *Pebble) Roots(t testing.TB) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	b, err := os.ReadFile(p.RootFile)
	if err != nil || !pool.AppendCertsFromPEM(b) {
		t.Fatalf("read pebble root: %v", err)
	}
	return pool
}

// Client is an HTTP client that trusts Pebble's own HTTPS listener.
func (p *Pebble) Client(t testing.TB) *http.Client {
	return &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.Roots(t)}}}
}

// IssuingRoots returns the roots Pebble signs certificates with (new on every start).
func (p *Pebble) IssuingRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	resp, err := p.Client(t).Get("https://" + p.mgmt + "/roots/0")
	if err != nil {
		t.Fatalf("get pebble root: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("pebble root is not PEM: %s", b)
	}
	return pool
}

// binary finds pebble on PATH or in GOPATH/bin, or skips (fails under CI=true).
func binary(t testing.TB) string {
	if p, err := exec.LookPath("pebble"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "pebble")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	why := "pebble is not installed (" + Install + ")"
	beratest.Missing(t, why)
	return ""
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDNS answers every A query with 127.0.0.1 (other types with no records) on UDP and
// TCP of one loopback port, and returns that address.
func startDNS(t testing.TB) string {
	t.Helper()
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		for _, q := range req.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET},
					A: net.IPv4(127, 0, 0, 1)})
			}
		}
		w.WriteMsg(m)
	})
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			continue
		}
		udp, tcp := &dns.Server{PacketConn: pc, Handler: h}, &dns.Server{Listener: ln, Handler: h}
		go udp.ActivateAndServe()
		go tcp.ActivateAndServe()
		t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
		return pc.LocalAddr().String()
	}
	t.Fatal("no free port for DNS on both UDP and TCP")
	return ""
}
