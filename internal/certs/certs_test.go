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
	"net"
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

// handshake does a real TLS handshake with sel as the server's certificate source, sending
// serverName, and returns the leaf the server presented.
func handshake(t *testing.T, sel *certs.Selector, serverName string) *x509.Certificate {
	t.Helper()
	cc, sc := net.Pipe()
	defer cc.Close()
	defer sc.Close()
	srv := tls.Server(sc, &tls.Config{GetCertificate: sel.GetCertificate})
	go srv.Handshake()
	c := tls.Client(cc, &tls.Config{ServerName: serverName, InsecureSkipVerify: true})
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake for %q: %v", serverName, err)
	}
	return c.ConnectionState().PeerCertificates[0]
}

// leaf parses an endpoint's leaf certificate.
func leaf(t *testing.T, ep *bera.Endpoint) *x509.Certificate {
	t.Helper()
	c, err := certs.ParseKeyPair(ep.CertificateChain, ep.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf
}

func keyPair(t *testing.T, ep *bera.Endpoint) *tls.Certificate {
	t.Helper()
	c, err := certs.ParseKeyPair(ep.CertificateChain, ep.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A manual certificate is served only for custom domains of its own app: not for another
// app's domain it happens to cover, not for the platform's names, not for names that are no
// domain at all.
func TestSelector(t *testing.T) {
	const appA, appB = "app-a", "app-b"
	exact := endpoint(t, "1", time.Now().Add(time.Hour), "shop.example.com")
	exact.AppID = appA
	wild := endpoint(t, "2", time.Now().Add(time.Hour), "*.example.com")
	wild.AppID = appA
	longer := endpoint(t, "3", time.Now().Add(48*time.Hour), "shop.example.com")
	longer.AppID = appA
	// B's certificate names the platform's domain and A's shop: uploaded before the API
	// refused such names, it must still never be served for them.
	evil := endpoint(t, "5", time.Now().Add(72*time.Hour), "*.bera.test", "bera.test", "shop.example.com", "api.example.com")
	evil.AppID = appB
	broken := &bera.Endpoint{ID: "4", AppID: appA, CertificateChain: "junk", PrivateKey: "junk"}
	def := keyPair(t, endpoint(t, "d", time.Now().Add(time.Hour), "*.bera.test"))
	acme := keyPair(t, endpoint(t, "a", time.Now().Add(time.Hour), "auto.example.org"))
	sel := &certs.Selector{Default: def, Fallback: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if h.ServerName == "auto.example.org" {
			return acme, nil
		}
		return nil, tls.AlertError(0)
	}}
	domains := []*bera.Domain{
		{AppID: appA, Hostname: "shop.example.com", Kind: bera.DomainKindCustom},
		{AppID: appA, Hostname: "www.example.com", Kind: bera.DomainKindCustom},
		{AppID: appB, Hostname: "api.example.com", Kind: bera.DomainKindCustom},
		{AppID: appB, Hostname: "blog.example.com", Kind: bera.DomainKindCustom},
	}
	if err := sel.SetEndpoints([]*bera.Endpoint{exact, wild, longer, broken, evil}, domains); err == nil || !strings.Contains(err.Error(), "endpoint 4") {
		t.Errorf("SetEndpoints with a broken endpoint: %v", err)
	}
	for _, tc := range []struct {
		name string
		want *x509.Certificate
	}{
		{"shop.example.com", leaf(t, longer)}, // A's, the one expiring last; not B's
		{"SHOP.example.com.", leaf(t, longer)},
		{"www.example.com", leaf(t, wild)},
		{"api.example.com", leaf(t, evil)}, // B's own domain, B's certificate
		{"blog.example.com", def.Leaf},     // B's domain: A's wildcard covers it but is not B's
		{"other.example.com", def.Leaf},    // no domain at all: A's wildcard is not used
		{"myapp.bera.test", def.Leaf},      // the platform's names: never B's *.bera.test
		{"bera.test", def.Leaf},
		{"auto.example.org", acme.Leaf},
	} {
		if got := handshake(t, sel, tc.name); !got.Equal(tc.want) {
			t.Errorf("handshake for %q served %v (expires %s), want %v", tc.name, got.DNSNames, got.NotAfter, tc.want.DNSNames)
		}
	}
	if got, err := sel.GetCertificate(&tls.ClientHelloInfo{}); err != nil || got != def {
		t.Errorf("GetCertificate without SNI = %v, %v; want the default", got, err)
	}
	// A domain another app adds later is not served by a certificate that covers it.
	domains = append(domains, &bera.Domain{AppID: appB, Hostname: "later.example.com", Kind: bera.DomainKindCustom})
	sel.SetEndpoints([]*bera.Endpoint{exact, wild, longer, evil}, domains)
	if got := handshake(t, sel, "later.example.com"); !got.Equal(def.Leaf) {
		t.Errorf("B's new domain served A's certificate %v", got.DNSNames)
	}
	// Once A's domain is gone, its certificate is no longer served for the name.
	sel.SetEndpoints([]*bera.Endpoint{exact, wild, longer, evil}, domains[1:])
	if got := handshake(t, sel, "shop.example.com"); !got.Equal(def.Leaf) {
		t.Errorf("a removed domain still served %v", got.DNSNames)
	}
}

func TestCheckOwnNames(t *testing.T) {
	domains := []*bera.Domain{
		{AppID: "a", Hostname: "shop.example.com"},
		{AppID: "b", Hostname: "api.example.com"},
	}
	for _, tc := range []struct {
		names []string
		want  string // "" for allowed
	}{
		{[]string{"shop.example.com"}, ""},
		{[]string{"www.example.com", "new.example.org"}, ""},
		{[]string{"bera.test"}, "bera.test, which is under bera.test, the platform's own domain"},
		{[]string{"*.bera.test"}, "*.bera.test, which is under bera.test"},
		{[]string{"myapp.bera.test"}, "myapp.bera.test, which is under bera.test"},
		{[]string{"*.test"}, "*.test, which is under bera.test"},
		{[]string{"shop.example.com", "api.example.com"}, "api.example.com, which covers api.example.com, a custom domain of another app"},
		{[]string{"*.example.com"}, "*.example.com, which covers api.example.com, a custom domain of another app"},
	} {
		cert := keyPair(t, endpoint(t, "x", time.Now().Add(time.Hour), tc.names...))
		err := certs.CheckOwnNames(cert, "a", "bera.test", domains)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%v refused: %v", tc.names, err)
			}
			continue
		}
		if bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), tc.want) {
			t.Errorf("%v: %v, want invalid_params containing %q", tc.names, err, tc.want)
		}
	}
}

func endpoint(t *testing.T, id string, notAfter time.Time, names ...string) *bera.Endpoint {
	chain, key := pair(t, notAfter, names...)
	return &bera.Endpoint{ID: id, CertificateChain: chain, PrivateKey: key, UpdatedAt: time.Now()}
}
