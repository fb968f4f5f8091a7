package postgres_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

// A certificate that is due (here: unreadable) is issued again when the provider opens,
// and the running server serves the new one without a restart.
func TestDedicated_CertRenewedOnOpen(t *testing.T) {
	e := newEnv(t)
	root := addonstest.Root(t)
	p := e.MustOpen(t, root)
	inst, err := p.Provision(t.Context(), addons.Request{ID: "pgcert"})
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := p.PID("pgcert")
	crt := filepath.Join(p.Dir("pgcert"), "data", "server.crt")
	p.Close()
	if err := os.WriteFile(crt, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	p = e.MustOpen(t, root)
	defer p.Close()
	if now, _ := p.PID("pgcert"); now != pid {
		t.Fatalf("pid %d after reopening, want %d: the server was restarted", now, pid)
	}
	b, _ := os.ReadFile(crt)
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("server.crt was not issued again")
	}
	want, _ := x509.ParseCertificate(block.Bytes)
	cfg, err := pgx.ParseConfig(inst.URL)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(e.ca.Cert)
	var served *x509.Certificate
	cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1",
		VerifyConnection: func(cs tls.ConnectionState) error { served = cs.PeerCertificates[0]; return nil }}
	cfg.Fallbacks = nil
	// The postmaster reloads on SIGHUP asynchronously: poll until it serves the new one.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := pgx.ConnectConfig(t.Context(), cfg)
		if err != nil {
			t.Fatalf("verified TLS connection: %v", err)
		}
		c.Close(t.Context())
		if served.SerialNumber.Cmp(want.SerialNumber) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the server does not serve the renewed certificate")
		}
	}
}
