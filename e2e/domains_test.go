package e2e_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/certs/pebbletest"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestDomains_ACMEAndSNI runs a real app behind the HTTPS router: a custom domain gets a
// certificate from Pebble over HTTP-01 answered by the router, another is served with a
// manual certificate chosen by SNI, both over HTTP/2; http-to-https redirects plain HTTP.
func TestDomains_ACMEAndSNI(t *testing.T) {
	t.Parallel()
	pb := pebbletest.New(t)
	tlsAddr := beratest.FreeAddr(t)
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--router-tls-listen", tlsAddr,
		"--acme-ca", pb.DirURL, "--acme-ca-root", pb.RootFile, "--acme-email", "ops@example.com"}})
	u, _ := url.Parse(env.RouterURL)
	port, _ := strconv.Atoi(u.Port())
	pb.Start(t, port)

	env.MustBera(t, "apps:create", "secure")
	dir := env.SampleApp(t, "procfile-hello", "secure")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("push: %v\n%s", err, out)
	}
	env.WaitBody(t, "secure", "/", "hello from procfile")

	env.MustBera(t, "domains:add", "www.acme-test.example", "-a", "secure")
	env.MustBera(t, "certs:auto:enable", "-a", "secure")
	env.MustBera(t, "domains:wait", "www.acme-test.example", "-a", "secure")
	if out, _ := env.MustBera(t, "certs:auto", "-a", "secure"); !strings.Contains(out, "cert issued") {
		t.Errorf("certs:auto:\n%s", out)
	}
	resp, body := httpsGet(t, tlsAddr, "www.acme-test.example", pb.IssuingRoots(t))
	checkServed(t, resp, body, "www.acme-test.example")

	certFile, keyFile, roots := manualCert(t, "shop.manual-test.example")
	env.MustBera(t, "certs:add", certFile, keyFile, "--name", "shop", "-a", "secure")
	env.MustBera(t, "domains:add", "shop.manual-test.example", "-a", "secure")
	// The certificate and the route table are each reloaded every second, independently.
	beratest.Eventually(t, time.Minute, "the manual certificate to be served, and the domain routed", func() bool {
		if !servedBy(tlsAddr, "shop.manual-test.example", roots) {
			return false
		}
		resp, err := tlsClient(tlsAddr, roots).Get("https://shop.manual-test.example/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	resp, body = httpsGet(t, tlsAddr, "shop.manual-test.example", roots)
	checkServed(t, resp, body, "shop.manual-test.example")
	if out, _ := env.MustBera(t, "certs", "-a", "secure"); !strings.Contains(out, "shop.manual-test.example") {
		t.Errorf("certs:\n%s", out)
	}
	if out, _ := env.MustBera(t, "domains", "-a", "secure"); !strings.Contains(out, "www.acme-test.example") ||
		!strings.Contains(out, "shop.manual-test.example") || !strings.Contains(out, "secure.localhost") {
		t.Errorf("domains:\n%s", out)
	}

	apiPatch(t, env, "/apps/secure/features/http-to-https", `{"enabled":true}`)
	beratest.Eventually(t, time.Minute, "http-to-https to redirect", func() bool {
		loc := plainGet(t, env, "www.acme-test.example", "/x?y=1")
		return loc == "https://www.acme-test.example:"+portOf(tlsAddr)+"/x?y=1"
	})
	if loc := plainGet(t, env, "secure.localhost", "/"); loc != "" {
		t.Errorf("the app's own hostname was redirected to %s", loc)
	}
}

// TestDomains_Refused checks that bad or taken hostnames are refused with a clear error.
func TestDomains_Refused(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	env.MustBera(t, "apps:create", "first")
	env.MustBera(t, "apps:create", "second")
	env.MustBera(t, "domains:add", "WWW.Taken.Example.", "-a", "first")
	for _, tc := range []struct{ host, want string }{
		{"www.taken.example", "already in use"},
		{"second.localhost", "belong to the platform"},
		{"*.wild.example", "Wildcard"},
		{"127.0.0.1", "not an IP address"},
		{"bad_label.example", "labels"},
	} {
		_, errOut, code := env.Bera(t, "", nil, "domains:add", tc.host, "-a", "second")
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("domains:add %s: exit %d %q, want an error with %q", tc.host, code, errOut, tc.want)
		}
	}
	if out, _ := env.MustBera(t, "domains:info", "www.taken.example", "-a", "first"); !strings.Contains(out, "first.localhost") {
		t.Errorf("domains:info:\n%s", out)
	}
	env.MustBera(t, "domains:remove", "www.taken.example", "-a", "first")
	env.MustBera(t, "domains:add", "www.taken.example", "-a", "second")
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// apiPatch sends a PATCH to the API as the admin.
func apiPatch(t *testing.T, env *beratest.Env, path, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, env.APIURL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+env.AdminKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH %s: %s", path, resp.Status)
	}
}

// plainGet requests path over plain HTTP through the router with Host host and returns the
// redirect location ("" when not redirected).
func plainGet(t *testing.T, env *beratest.Env, host, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.RouterURL+path, nil)
	req.Host = host
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("Location")
}

// tlsClient talks HTTPS (HTTP/2 preferred) to the router at addr for any host name,
// trusting only roots.
func tlsClient(addr string, roots *x509.CertPool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

func httpsGet(t *testing.T, addr, host string, roots *x509.CertPool) (*http.Response, string) {
	t.Helper()
	resp, err := tlsClient(addr, roots).Get("https://" + host + "/")
	if err != nil {
		t.Fatalf("GET https://%s/: %v", host, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// servedBy reports whether a handshake for host verifies against roots.
func servedBy(addr, host string, roots *x509.CertPool) bool {
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: host, RootCAs: roots})
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func checkServed(t *testing.T, resp *http.Response, body, host string) {
	t.Helper()
	if resp.StatusCode != 200 || !strings.Contains(body, "hello from procfile") {
		t.Errorf("https://%s/: %d %q", host, resp.StatusCode, body)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("https://%s/ was served over %s, want HTTP/2", host, resp.Proto)
	}
	if leaf := resp.TLS.PeerCertificates[0]; !slices.Contains(leaf.DNSNames, host) {
		t.Errorf("https://%s/ certificate is for %v", host, leaf.DNSNames)
	}
}

// manualCert writes a leaf certificate for host signed by a fresh CA, and returns the
// certificate and key files and a pool holding the CA.
func manualCert(t *testing.T, host string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Manual CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	roots = x509.NewCertPool()
	roots.AddCert(ca)
	return certFile, keyFile, roots
}

// TestDomains_SharedAcrossServers runs two servers on one PostgreSQL database: a certificate
// the first obtains from Pebble, and a manual certificate added through the first, are
// served by the second without it asking the CA again.
func TestDomains_SharedAcrossServers(t *testing.T) {
	t.Parallel()
	_, dsn := storetest.OpenPostgresURL(t)
	key := make([]byte, 32)
	rand.Read(key)
	secret := []string{"BERA_SECRET_KEY=" + hex.EncodeToString(key)}
	pb := pebbletest.New(t)
	acmeArgs := []string{"--acme-ca", pb.DirURL, "--acme-ca-root", pb.RootFile}
	tls1, tls2 := beratest.FreeAddr(t), beratest.FreeAddr(t)
	one := beratest.NewWith(t, beratest.Options{DatabaseURL: dsn, Env: secret, Args: append([]string{"--router-tls-listen", tls1}, acmeArgs...)})
	u, _ := url.Parse(one.RouterURL)
	port, _ := strconv.Atoi(u.Port())
	pb.Start(t, port)

	one.MustBera(t, "apps:create", "shared")
	one.MustBera(t, "domains:add", "www.shared-test.example", "-a", "shared")
	one.MustBera(t, "certs:auto:enable", "--wait", "-a", "shared")
	roots := pb.IssuingRoots(t)
	first := leafServed(t, tls1, "www.shared-test.example", roots)

	// The second server finds the admin account in the database, so it writes no admin.key:
	// give it the first one's, which the harness waits for.
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, "admin.key"), []byte(one.AdminKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	beratest.NewWith(t, beratest.Options{DataDir: dir2, DatabaseURL: dsn, Env: secret, Args: append([]string{"--router-tls-listen", tls2}, acmeArgs...)})
	beratest.Eventually(t, time.Minute, "the second server to serve the certificate", func() bool { return servedBy(tls2, "www.shared-test.example", roots) })
	if second := leafServed(t, tls2, "www.shared-test.example", roots); second.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Errorf("the second server serves serial %v, the first %v", second.SerialNumber, first.SerialNumber)
	}

	// A manual certificate is only served for its app's custom domains.
	certFile, keyFile, manualRoots := manualCert(t, "api.shared-test.example")
	one.MustBera(t, "certs:add", certFile, keyFile, "-a", "shared")
	one.MustBera(t, "domains:add", "api.shared-test.example", "-a", "shared")
	beratest.Eventually(t, time.Minute, "the second server to serve the manual certificate", func() bool {
		return servedBy(tls2, "api.shared-test.example", manualRoots)
	})
}

// leafServed returns the leaf certificate the TLS router at addr serves for host, verified
// against roots.
func leafServed(t *testing.T, addr, host string, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: host, RootCAs: roots})
	if err != nil {
		t.Fatalf("TLS to %s for %s: %v", addr, host, err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0]
}

// TestDomains_HerokuCLI drives custom domains and certificates with the official Heroku CLI.
func TestDomains_HerokuCLI(t *testing.T) {
	t.Parallel()
	bin := beratest.HerokuCLI(t)
	env := beratest.NewWith(t, beratest.Options{Args: []string{"--router-tls-listen", beratest.FreeAddr(t)}})
	home := t.TempDir()
	run := func(wantIn string, args ...string) string {
		t.Helper()
		out, errOut, err := heroku(t, bin, env, home, args...)
		if err != nil || !strings.Contains(out+errOut, wantIn) {
			t.Fatalf("heroku %s: %v, want %q in\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, wantIn, out, errOut)
		}
		return out
	}
	env.MustBera(t, "apps:create", "herokudomains")
	run("herokudomains.localhost", "domains:add", "www.heroku-cli.example", "-a", "herokudomains")
	out := run("www.heroku-cli.example", "domains", "-a", "herokudomains")
	if !strings.Contains(out, "herokudomains.localhost") {
		t.Errorf("heroku domains:\n%s", out)
	}
	run("www.heroku-cli.example", "domains:info", "www.heroku-cli.example", "-a", "herokudomains")
	certFile, keyFile, _ := manualCert(t, "www.heroku-cli.example")
	env.MustBera(t, "certs:add", certFile, keyFile, "--name", "manual", "-a", "herokudomains")
	if out := run("www.heroku-cli.example", "certs", "-a", "herokudomains"); !strings.Contains(out, "False") {
		t.Errorf("heroku certs calls a certificate from an unknown CA trusted:\n%s", out)
	}
	run("", "certs:auto:enable", "-a", "herokudomains")
	run("", "domains:remove", "www.heroku-cli.example", "-a", "herokudomains")
	if out := run("", "domains", "-a", "herokudomains"); strings.Contains(out, "www.heroku-cli.example") {
		t.Errorf("heroku domains after remove:\n%s", out)
	}
}
