package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
)

func TestNormalizeHostname(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"www.example.com", "www.example.com", true},
		{" WWW.Example.COM. ", "www.example.com", true},
		{"a-b.c0.example", "a-b.c0.example", true},
		{"", "", false},
		{"localhost", "", false},
		{"*.example.com", "", false},
		{"127.0.0.1", "", false},
		{"[::1]", "", false},
		{"-a.example.com", "", false},
		{"a-.example.com", "", false},
		{"a..example.com", "", false},
		{"under_score.example.com", "", false},
		{"app.bera.test", "", false},
		{"bera.test", "", false},
		{"notbera.test", "notbera.test", true},
		{strings.Repeat("a", 64) + ".example.com", "", false},
		{strings.Repeat("a.", 126) + "com", "", false},
	} {
		got, err := certs.NormalizeHostname(tc.in, "bera.test")
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("NormalizeHostname(%q) = %q, %v; want %q ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("NormalizeHostname(%q) error code %s", tc.in, bera.ErrorCode(err))
		}
	}
}

func FuzzNormalizeHostname(f *testing.F) {
	for _, s := range []string{"www.example.com", "A.B.", "*.x.y", "1.2.3.4", "x_y.z", "app.localhost"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := certs.NormalizeHostname(in, "localhost")
		if err != nil {
			return
		}
		again, err := certs.NormalizeHostname(got, "localhost")
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q → %q → %q, %v", in, got, again, err)
		}
		if len(got) > certs.MaxHostnameLen || strings.ContainsAny(got, "*_ /:") || got != strings.ToLower(got) {
			t.Fatalf("accepted %q as %q", in, got)
		}
	})
}

// pair returns a PEM certificate (signed by a fresh self-signed key) and key for names.
func pair(t testing.TB, notAfter time.Time, names ...string) (string, string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

func TestParseKeyPair(t *testing.T) {
	chain, key := pair(t, time.Now().Add(time.Hour), "www.example.com")
	_, otherKey := pair(t, time.Now().Add(time.Hour), "other.example.com")
	cert, err := certs.ParseKeyPair(chain, key)
	if err != nil {
		t.Fatal(err)
	}
	info := certs.Describe(cert)
	if !info.SelfSigned || len(info.Domains) != 1 || info.Domains[0] != "www.example.com" {
		t.Errorf("Describe = %+v", info)
	}
	for name, in := range map[string][2]string{
		"mismatched key": {chain, otherKey},
		"no certificate": {key, key},
		"empty":          {"", ""},
		"too large":      {chain + strings.Repeat(" ", certs.MaxPEMBytes), key},
	} {
		if _, err := certs.ParseKeyPair(in[0], in[1]); bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("%s: %v, want %s", name, err, bera.EInvalid)
		}
	}
}

func FuzzParseKeyPair(f *testing.F) {
	chain, key := pair(f, time.Now().Add(time.Hour), "www.example.com")
	f.Add(chain, key)
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", key)
	f.Fuzz(func(t *testing.T, chain, key string) {
		cert, err := certs.ParseKeyPair(chain, key)
		if err != nil {
			return
		}
		if cert.Leaf == nil || len(certs.Describe(cert).Domains) == 0 {
			t.Fatalf("accepted a pair without a named leaf")
		}
	})
}

func TestSelector(t *testing.T) {
	exact := endpoint(t, "1", time.Now().Add(time.Hour), "shop.example.com")
	wild := endpoint(t, "2", time.Now().Add(time.Hour), "*.example.com")
	longer := endpoint(t, "3", time.Now().Add(48*time.Hour), "shop.example.com")
	def, acme := &tls.Certificate{}, &tls.Certificate{}
	sel := &certs.Selector{Default: def, Fallback: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if h.ServerName == "auto.example.org" {
			return acme, nil
		}
		return nil, tls.AlertError(0)
	}}
	broken := &certs.Endpoint{ID: "4", CertificateChain: "junk", PrivateKey: "junk"}
	if err := sel.SetEndpoints([]*certs.Endpoint{exact, wild, longer, broken}); err == nil || !strings.Contains(err.Error(), "endpoint 4") {
		t.Errorf("SetEndpoints with a broken endpoint: %v", err)
	}
	for _, tc := range []struct {
		name string
		want func(*tls.Certificate) bool
	}{
		{"shop.example.com", func(c *tls.Certificate) bool {
			return certs.Covers(c, "shop.example.com") && c.Leaf.NotAfter.After(time.Now().Add(24*time.Hour))
		}},
		{"SHOP.example.com.", func(c *tls.Certificate) bool { return certs.Covers(c, "shop.example.com") }},
		{"www.example.com", func(c *tls.Certificate) bool { return certs.Covers(c, "www.example.com") }},
		{"a.b.example.com", func(c *tls.Certificate) bool { return c == def }},
		{"auto.example.org", func(c *tls.Certificate) bool { return c == acme }},
		{"", func(c *tls.Certificate) bool { return c == def }},
	} {
		got, err := sel.GetCertificate(&tls.ClientHelloInfo{ServerName: tc.name})
		if err != nil || !tc.want(got) {
			t.Errorf("GetCertificate(%q) = %v, %v", tc.name, got, err)
		}
	}
}

func endpoint(t *testing.T, id string, notAfter time.Time, names ...string) *certs.Endpoint {
	chain, key := pair(t, notAfter, names...)
	return &certs.Endpoint{ID: id, CertificateChain: chain, PrivateKey: key, UpdatedAt: time.Now()}
}
