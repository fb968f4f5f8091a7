package addons_test

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/secret"
)

func TestValidID(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{{"0f8fad5b-d9cb-469f-a165-70867728950e", true}, {"a_b", true}, {"", false},
		{"../x", false}, {"a/b", false}, {".hidden", false}, {"-x", false}} {
		if got := addons.ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q)=%v, want %v", tt.id, got, tt.want)
		}
	}
}

func TestFormatBytes(t *testing.T) {
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0 bytes"}, {1023, "1023 bytes"}, {1024, "1.0 kB"}, {8283750, "7.9 MB"}, {50 << 20, "50.0 MB"}, {3 << 30, "3.0 GB"}} {
		if got := addons.FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d)=%q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestNewPassword(t *testing.T) {
	a, b := addons.NewPassword(64), addons.NewPassword(64)
	if len(a) != 64 || a == b {
		t.Fatalf("NewPassword gave %d characters, equal twice: %v", len(a), a == b)
	}
	for _, c := range a {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			t.Fatalf("NewPassword has %q", c)
		}
	}
}

func newBox(t *testing.T) *secret.Box {
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestDirs(t *testing.T) {
	root := filepath.Join(t.TempDir(), "addons")
	box := newBox(t)
	pg := addons.Dirs{Root: root, Service: "heroku-postgresql", Box: box}
	rd := addons.Dirs{Root: root, Service: "heroku-redis", Box: box}
	type st struct{ Password string }
	for _, id := range []string{"a1", "a2"} {
		if _, err := pg.Create(id); err != nil {
			t.Fatal(err)
		}
		if err := pg.Save(id, st{"hunter2-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rd.Create("r1"); err != nil {
		t.Fatal(err)
	}
	rd.Save("r1", st{"x"})
	if _, err := pg.Create("a1"); !errors.Is(err, addons.ErrExists) {
		t.Errorf("Create twice err=%v, want ErrExists", err)
	}
	if _, err := pg.Create("../a"); !errors.Is(err, addons.ErrInvalidID) {
		t.Errorf("Create(../a) err=%v, want ErrInvalidID", err)
	}
	ids, err := pg.List()
	if err != nil || len(ids) != 2 || ids[0] != "a1" || ids[1] != "a2" {
		t.Errorf("List=%v, %v, want [a1 a2] (not the redis one)", ids, err)
	}
	var got st
	if err := pg.Load("a2", &got); err != nil || got.Password != "hunter2-a2" {
		t.Errorf("Load=%+v, %v", got, err)
	}
	if err := pg.Load("r1", &got); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Load of another service's instance err=%v, want ErrNotFound", err)
	}
	raw, _ := os.ReadFile(filepath.Join(root, "a1", "state.json"))
	if bytes.Contains(raw, []byte("hunter2")) {
		t.Error("state.json holds the password in clear")
	}
	if err := pg.Remove("a1"); err != nil {
		t.Fatal(err)
	}
	if err := pg.Load("a1", &got); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Load after Remove err=%v, want ErrNotFound", err)
	}
}

func TestPorts(t *testing.T) {
	// A range of one port, busy with a listener of the test's own at first.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	p := &addons.Ports{First: port, Last: port}
	if _, err := p.Allocate(); !errors.Is(err, addons.ErrNoPorts) {
		t.Fatalf("Allocate of a port something listens on err=%v, want ErrNoPorts", err)
	}
	l.Close()
	if got, err := p.Allocate(); err != nil || got != port {
		t.Fatalf("Allocate=%d, %v, want %d", got, err, port)
	}
	if _, err := p.Allocate(); !errors.Is(err, addons.ErrNoPorts) {
		t.Fatalf("Allocate of a reserved port err=%v, want ErrNoPorts", err)
	}
	p.Release(port)
	if got, err := p.Allocate(); err != nil || got != port {
		t.Fatalf("Allocate after Release=%d, %v, want %d", got, err, port)
	}
	if p.HostOrDefault() != "127.0.0.1" {
		t.Error("default host is not loopback")
	}
}

// fake is a Provider that serves a service and nothing else (the registry only reads
// Service and calls Close).
type fake struct {
	addons.Provider
	svc    addons.Service
	closed bool
}

func (f *fake) Service() addons.Service { return f.svc }
func (f *fake) Close() error            { f.closed = true; return nil }

func TestRegistry(t *testing.T) {
	pg := &fake{svc: addons.Service{Name: "heroku-postgresql", Plans: []addons.Plan{
		{Name: "heroku-postgresql:standard-0", Default: true}, {Name: "heroku-postgresql:shared"}}}}
	rd := &fake{svc: addons.Service{Name: "heroku-redis", Plans: []addons.Plan{{Name: "heroku-redis:premium-0", Default: true}}}}
	r, err := addons.NewRegistry(rd, pg)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Services(); len(s) != 2 || s[0].Name != "heroku-postgresql" {
		t.Errorf("Services=%v, want both sorted by name", s)
	}
	for _, tt := range []struct {
		name, plan string
		err        error
	}{
		{"heroku-postgresql", "heroku-postgresql:standard-0", nil},
		{"heroku-postgresql:shared", "heroku-postgresql:shared", nil},
		{"heroku-redis:premium-0", "heroku-redis:premium-0", nil},
		{"heroku-redis:premium-9", "", addons.ErrUnknownPlan},
		{"heroku-kafka", "", addons.ErrUnknownService},
	} {
		_, pl, err := r.Lookup(tt.name)
		if !errors.Is(err, tt.err) || pl.Name != tt.plan {
			t.Errorf("Lookup(%q)=%q, %v, want %q, %v", tt.name, pl.Name, err, tt.plan, tt.err)
		}
	}
	if _, err := addons.NewRegistry(pg, pg); err == nil {
		t.Error("a service registered twice was accepted")
	}
	if err := r.Close(); err != nil || !pg.closed || !rd.closed {
		t.Errorf("Close=%v, closed %v %v", err, pg.closed, rd.closed)
	}
}

func TestDirs_Check(t *testing.T) {
	if os.Geteuid() != 0 {
		beratest.Missing(t, "run the tests as root: only root's instances switch uids")
	}
	dir := t.TempDir() // 0700
	d := addons.Dirs{Root: filepath.Join(dir, "data", "addons")}
	if err := d.Check(); err == nil {
		t.Error("Check passed under a 0700 directory")
	}
	os.Chmod(dir, 0o711)
	os.Chmod(filepath.Dir(dir), 0o711)
	os.Chmod(filepath.Join(dir, "data"), 0o711)
	if err := d.Check(); err != nil {
		t.Errorf("Check under searchable directories: %v", err)
	}
}

func TestWriteCert(t *testing.T) {
	dir := t.TempDir()
	ca, err := pki.LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if !addons.CertDue(crt, addons.RenewBefore) {
		t.Error("a missing certificate is not due")
	}
	owner := addons.Owner{UID: os.Geteuid(), GID: os.Getegid()}
	if err := addons.WriteCert(ca, owner, crt, key, []string{"127.0.0.1", "localhost"}); err != nil {
		t.Fatal(err)
	}
	if addons.CertDue(crt, addons.RenewBefore) || !addons.CertDue(crt, 400*24*time.Hour) {
		t.Error("a certificate valid for a year is due in 30 days, or not in 400")
	}
	pair, err := tls.LoadX509KeyPair(crt, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "localhost"}); err != nil {
		t.Errorf("the certificate does not verify against Bera's CA: %v", err)
	}
	if fi, _ := os.Stat(key); fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
}
