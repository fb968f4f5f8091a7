package acme_test

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/certs/acme"
	"github.com/kingvon-ke/bera/internal/certs/pebbletest"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestManager_ObtainAndRenew gets a certificate from Pebble for a domain of an app with ACM
// on, answering HTTP-01 through HTTPChallengeHandler, records "cert issued", and renews it
// ahead of expiry (Pebble issues 30-second certificates here). certmagic's own lines reach
// the Manager's logger.
func TestManager_ObtainAndRenew(t *testing.T) {
	pb := pebbletest.New(t)
	pb.ValiditySeconds = 30
	st := storetest.OpenSQLite(t)
	appID := mustACMDomain(t, st, "renew.example.test")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs beratest.SyncBuffer
	m, err := acme.New(acme.Config{Store: st, CA: pb.DirURL, Roots: pb.Roots(t), HTTPAddr: ln.Addr().String(),
		Interval: 100 * time.Millisecond, RenewCheckInterval: time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: m.HTTPChallengeHandler(http.NotFoundHandler())}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	pb.Start(t, ln.Addr().(*net.TCPAddr).Port)

	ctx := t.Context()
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	t.Cleanup(wg.Wait)

	first := waitCert(t, m, "renew.example.test", nil)
	waitFor(t, "acm_status cert issued", func() bool {
		d, err := st.Domain(ctx, appID, "renew.example.test")
		return err == nil && d.ACMStatus == bera.ACMIssued
	})
	second := waitCert(t, m, "renew.example.test", first)
	if !second.Leaf.NotAfter.After(first.Leaf.NotAfter) {
		t.Errorf("renewed certificate expires %v, first %v", second.Leaf.NotAfter, first.Leaf.NotAfter)
	}
	if want := `msg="certificate obtained successfully" component=acme`; !strings.Contains(logs.String(), want) {
		t.Errorf("log has no %s line from certmagic:\n%s", want, logs.String())
	}
}

// waitCert waits until the manager serves a certificate for host other than old.
func waitCert(t *testing.T, m *acme.Manager, host string, old *tls.Certificate) *tls.Certificate {
	t.Helper()
	var got *tls.Certificate
	waitFor(t, "a certificate for "+host, func() bool {
		c, err := m.GetCertificate(&tls.ClientHelloInfo{ServerName: host})
		if err != nil || c.Leaf == nil || (old != nil && c.Leaf.SerialNumber.Cmp(old.Leaf.SerialNumber) == 0) {
			return false
		}
		got = c
		return true
	})
	return got
}

// mustACMDomain adds host to a new app with ACM on and returns the app's ID.
func mustACMDomain(t *testing.T, st *store.Store, host string) string {
	t.Helper()
	ctx := t.Context()
	u := &bera.User{Email: "acm@example.com"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	app := &bera.App{Name: "acm-app", OwnerID: u.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateDomain(ctx, &bera.Domain{AppID: app.ID, Hostname: host}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetACM(ctx, app.ID, true); err != nil {
		t.Fatal(err)
	}
	return app.ID
}

// waitFor polls cond every 100 ms for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
