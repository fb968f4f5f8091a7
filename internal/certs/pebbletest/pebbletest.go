package e2e_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// pebble is a running Pebble ACME test CA.
type pebble struct {
	DirURL   string // ACME directory
	RootFile string // PEM root of Pebble's own HTTPS listener (for --acme-ca-root)
	mgmt     string // management address (serves the issuing root)
	listen   string // ACME address
	bin      string
}

const pebbleInstall = "go install github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.1"

// newPebble picks Pebble's addresses (so a server can be pointed at it) without starting it.
func newPebble(t *testing.T) *pebble {
	t.Helper()
	testdata, err := filepath.Abs("testdata/pebble")
	if err != nil {
		t.Fatal(err)
	}
	p := &pebble{RootFile: filepath.Join(testdata, "pebble.minica.pem"), mgmt: beratest.FreeAddr(t), bin: pebbleBinary(t)}
	p.listen = beratest.FreeAddr(t)
	p.DirURL = "https://" + p.listen + "/dir"
	return p
}

// start runs Pebble validating HTTP-01 challenges on httpPort of 127.0.0.1, resolving
// every name to 127.0.0.1 through a DNS server of the test's own.
func (p *pebble) start(t *testing.T, httpPort string) {
	t.Helper()
	dnsAddr := startDNS(t)
	testdata := filepath.Dir(p.RootFile)
	listen := p.listen
	_, tlsPort, _ := net.SplitHostPort(beratest.FreeAddr(t))
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": listen, "managementListenAddress": p.mgmt,
		"certificate": filepath.Join(testdata, "cert.pem"), "privateKey": filepath.Join(testdata, "key.pem"),
		"httpPort": mustAtoi(t, httpPort), "tlsPort": mustAtoi(t, tlsPort), "externalAccountBindingRequired": false,
		"retryAfter": map[string]int{"authz": 1, "order": 1},
		"profiles":   map[string]any{"default": map[string]any{"description": "test", "validityPeriod": 7776000}},
	}}
	cfgFile := filepath.Join(t.TempDir(), "pebble.json")
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(cfgFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p.bin, "-config", cfgFile, "-dnsserver", dnsAddr)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	logFile, _ := os.Create(filepath.Join(t.TempDir(), "pebble.log"))
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
	client := p.client(t)
	waitFor(t, "pebble to answer", func() bool {
		resp, err := client.Get(p.DirURL)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pebbleBinary finds pebble on PATH or in GOPATH/bin.
func pebbleBinary(t *testing.T) string {
	if p, err := exec.LookPath("pebble"); err == nil {
		return p
	}
	out, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "pebble")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	beratest.Missing(t, "pebble is not installed ("+pebbleInstall+")")
	return ""
}

// client trusts Pebble's own HTTPS listener.
func (p *pebble) client(t *testing.T) *http.Client {
	pool := x509.NewCertPool()
	b, err := os.ReadFile(p.RootFile)
	if err != nil || !pool.AppendCertsFromPEM(b) {
		t.Fatalf("read pebble root: %v", err)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// IssuingRoots returns the roots Pebble signs certificates with (new on every start).
func (p *pebble) IssuingRoots(t *testing.T) *x509.CertPool {
	resp, err := p.client(t).Get("https://" + p.mgmt + "/roots/0")
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

// startDNS answers every A query with 127.0.0.1 (and other types with no records) on UDP
// and TCP of one loopback port, as Pebble's VA asks over both.
func startDNS(t *testing.T) string {
	t.Helper()
	h := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		for _, q := range req.Question {
			if q.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0},
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
