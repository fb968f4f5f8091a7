package store_test

import (
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestDomains runs the domain, certificate and ACME-storage tests on both databases.
func TestDomains(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *store.Store{
		"sqlite":   func(t *testing.T) *store.Store { return storetest.OpenSQLite(t) },
		"postgres": func(t *testing.T) *store.Store { return storetest.OpenPostgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Run("Domains", func(t *testing.T) { testDomains(t, open(t)) })
			t.Run("Endpoints", func(t *testing.T) { testEndpoints(t, open(t)) })
			t.Run("CertStorage", func(t *testing.T) { testCertStorage(t, open(t)) })
			t.Run("CertLocks", func(t *testing.T) { testCertLocks(t, open(t)) })
		})
	}
}

func mustApp(t *testing.T, st *store.Store, name string) *bera.App {
	t.Helper()
	u := mustCreateUser(t, st, name+"@example.com")
	app := &bera.App{Name: name, OwnerID: u.ID}
	if _, err := st.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

func testDomains(t *testing.T, st *store.Store) {
	ctx := t.Context()
	a, b := mustApp(t, st, "app-a"), mustApp(t, st, "app-b")
	d := &bera.Domain{AppID: a.ID, Hostname: "www.example.com"}
	if err := st.CreateDomain(ctx, d); err != nil {
		t.Fatal(err)
	}
	if d.ID == "" || d.Kind != bera.DomainKindCustom || d.Status != bera.DomainStatusSucceeded || d.ACMStatus != "" {
		t.Errorf("created %+v", d)
	}
	err := st.CreateDomain(ctx, &bera.Domain{AppID: b.ID, Hostname: "www.example.com"})
	if bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("same hostname on another app: %v, want %s", err, bera.EInvalid)
	}
	if err := st.SetACM(ctx, a.ID, true); err != nil {
		t.Fatal(err)
	}
	d2 := &bera.Domain{AppID: a.ID, Hostname: "api.example.com"}
	if err := st.CreateDomain(ctx, d2); err != nil || d2.ACMStatus != bera.ACMPending || !d2.ACM {
		t.Errorf("domain added with ACM on: %+v %v", d2, err)
	}
	got, err := st.Domain(ctx, a.ID, "www.example.com")
	if err != nil || got.ACMStatus != bera.ACMPending || got.AppName != "app-a" || !got.ACM {
		t.Errorf("after SetACM: %+v %v", got, err)
	}
	if err := st.SetDomainACMStatus(ctx, "www.example.com", bera.ACMIssued, ""); err != nil {
		t.Fatal(err)
	}
	all, err := st.ListDomains(ctx, "")
	if err != nil || len(all) != 2 || all[0].Hostname != "api.example.com" || all[1].ACMStatus != bera.ACMIssued {
		t.Errorf("ListDomains(all) = %+v %v", all, err)
	}
	if none, _ := st.ListDomains(ctx, b.ID); len(none) != 0 {
		t.Errorf("app-b lists %d domains", len(none))
	}
	if err := st.SetACM(ctx, a.ID, false); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.Domain(ctx, a.ID, d.ID); got.ACMStatus != "" || got.ACM {
		t.Errorf("after ACM off: %+v", got)
	}
	if _, err := st.Domain(ctx, b.ID, d.ID); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("another app's domain: %v", err)
	}
	if err := st.DeleteDomain(ctx, a.ID, "www.example.com"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteDomain(ctx, a.ID, "www.example.com"); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("second delete: %v", err)
	}
	if err := st.DeleteApp(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if left, _ := st.ListDomains(ctx, ""); len(left) != 0 {
		t.Errorf("domains left after the app was deleted: %+v", left)
	}
}

func testEndpoints(t *testing.T, st *store.Store) {
	ctx := t.Context()
	a := mustApp(t, st, "app-a")
	ep := &bera.Endpoint{AppID: a.ID, CertificateChain: "CHAIN", PrivateKey: "very-secret-key"}
	if err := st.CreateEndpoint(ctx, ep); err != nil {
		t.Fatal(err)
	}
	if ep.Name == "" {
		t.Error("no generated name")
	}
	var sealed string
	if err := st.DB().QueryRowContext(ctx, "SELECT key_sealed FROM sni_endpoints").Scan(&sealed); err != nil || sealed == "very-secret-key" {
		t.Errorf("key stored as %q (%v)", sealed, err)
	}
	got, err := st.Endpoint(ctx, a.ID, ep.Name)
	if err != nil || got.PrivateKey != "very-secret-key" || got.AppName != "app-a" {
		t.Errorf("Endpoint = %+v %v", got, err)
	}
	d := &bera.Domain{AppID: a.ID, Hostname: "www.example.com", EndpointID: ep.ID}
	if err := st.CreateDomain(ctx, d); err != nil {
		t.Fatal(err)
	}
	up, err := st.UpdateEndpoint(ctx, a.ID, ep.ID, "CHAIN2", "key2")
	if err != nil || up.CertificateChain != "CHAIN2" || up.PrivateKey != "key2" {
		t.Errorf("UpdateEndpoint = %+v %v", up, err)
	}
	if err := st.DeleteEndpoint(ctx, a.ID, ep.Name); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Domain(ctx, a.ID, d.ID); err != nil || got.EndpointID != "" {
		t.Errorf("domain after its endpoint was deleted: %+v %v", got, err)
	}
	if eps, _ := st.ListEndpoints(ctx, ""); len(eps) != 0 {
		t.Errorf("endpoints left: %+v", eps)
	}
}

func testCertStorage(t *testing.T, st *store.Store) {
	ctx := t.Context()
	for _, k := range []string{"certs/ca/a_b/x.crt", "certs/ca/a_b/x.key", "certs/ca/c/y.crt", "certsx/z", "acme/acct"} {
		if err := st.CertPut(ctx, k, []byte("v:"+k)); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := st.CertGet(ctx, "certs/ca/c/y.crt"); err != nil || string(v) != "v:certs/ca/c/y.crt" {
		t.Errorf("CertGet = %q %v", v, err)
	}
	if _, err := st.CertGet(ctx, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CertGet(missing) = %v, want fs.ErrNotExist", err)
	}
	keys, err := st.CertKeys(ctx, "certs")
	if want := []string{"certs/ca/a_b/x.crt", "certs/ca/a_b/x.key", "certs/ca/c/y.crt"}; err != nil || !slices.Equal(keys, want) {
		t.Errorf("CertKeys(certs) = %v %v, want %v", keys, err, want)
	}
	if size, mod, err := st.CertStat(ctx, "acme/acct"); err != nil || size != int64(len("v:acme/acct")) || mod.IsZero() {
		t.Errorf("CertStat = %d %v %v", size, mod, err)
	}
	if err := st.CertDelete(ctx, "certs/ca/a_b"); err != nil {
		t.Fatal(err)
	}
	if keys, _ := st.CertKeys(ctx, ""); !slices.Equal(keys, []string{"acme/acct", "certs/ca/c/y.crt", "certsx/z"}) {
		t.Errorf("after deleting a prefix: %v", keys)
	}
}

func testCertLocks(t *testing.T, st *store.Store) {
	ctx := t.Context()
	lock := func(owner string, ttl time.Duration) bool {
		ok, err := st.CertTryLock(ctx, "issue_www", owner, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !lock("a", time.Minute) {
		t.Fatal("a cannot take a free lease")
	}
	if !lock("a", time.Minute) {
		t.Fatal("a cannot extend its own lease")
	}
	if lock("b", time.Minute) {
		t.Fatal("b took a's live lease")
	}
	if err := st.CertUnlock(ctx, "issue_www", "b"); err != nil {
		t.Fatal(err)
	}
	if lock("b", time.Minute) {
		t.Fatal("b's unlock released a's lease")
	}
	if err := st.CertUnlock(ctx, "issue_www", "a"); err != nil {
		t.Fatal(err)
	}
	if !lock("b", -time.Second) {
		t.Fatal("b cannot take a released lease")
	}
	if !lock("a", time.Minute) {
		t.Fatal("a cannot take b's expired lease")
	}
}
