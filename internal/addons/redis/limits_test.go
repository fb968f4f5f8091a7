package redis_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

func mustClient(t *testing.T, url string, tlsCfg *tls.Config) *goredis.Client {
	t.Helper()
	opt, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	if tlsCfg != nil {
		opt.TLSConfig = tlsCfg
	}
	c := goredis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// The plan's limits are in force, the tenant cannot lift them, and no password is on disk.
func TestProvider_LimitsAndSecrets(t *testing.T) {
	e := newEnv(t)
	root := addonstest.Root(t)
	p := e.MustOpen(t, root)
	inst, err := p.Provision(t.Context(), addons.Request{ID: "r1", Plan: "premium-1",
		Config: map[string]string{"maxmemory_policy": "allkeys-lru"}})
	if err != nil {
		t.Fatal(err)
	}
	c := mustClient(t, inst.URL, nil)
	ctx := t.Context()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]any{{"CONFIG", "SET", "maxmemory", "0"}, {"CONFIG", "SET", "dir", "/tmp"}, {"SHUTDOWN"}} {
		if err := c.Do(ctx, cmd...).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
			t.Errorf("%v err=%v, want NOPERM", cmd, err)
		}
	}
	info, err := p.Info(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, r := range info.Rows {
		rows[r.Name] = strings.Join(r.Values, " ")
	}
	if rows["Plan"] != "Premium 1" || rows["Maxmemory"] != "allkeys-lru" || !strings.HasSuffix(rows["Memory"], "of 100.0 MB") {
		t.Errorf("info rows %v, want Premium 1, allkeys-lru, of 100.0 MB", rows)
	}
	creds, err := p.Credentials(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(p.Dir("r1"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			if bytes.Contains(b, []byte(creds[0].Password)) {
				t.Errorf("%s holds the password in clear", path)
			}
		}
		return nil
	})
	if _, err := p.Provision(ctx, addons.Request{ID: "r2", Config: map[string]string{"maxmemory_policy": "sometimes"}}); err == nil {
		t.Error("an unknown maxmemory_policy was accepted")
	}
}

// tls=true serves TLS only, with a certificate of Bera's CA, on a rediss:// URL.
func TestProvider_TLS(t *testing.T) {
	e := newEnv(t)
	root := addonstest.Root(t)
	ca := e.ca
	p := e.MustOpen(t, root)
	inst, err := p.Provision(t.Context(), addons.Request{ID: "t1", Config: map[string]string{"tls": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(inst.URL, "rediss://") {
		t.Fatalf("URL scheme of a TLS instance: %q", inst.URL[:8])
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	c := mustClient(t, inst.URL, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err := c.Set(t.Context(), "k", "over tls", 0).Err(); err != nil {
		t.Fatalf("verified TLS connection: %v", err)
	}
	plain := mustClient(t, strings.Replace(inst.URL, "rediss://", "redis://", 1), nil)
	if err := plain.Ping(t.Context()).Err(); err == nil {
		t.Error("a TLS instance answered in clear text")
	}
	if _, err := p.Info(t.Context(), "t1"); err != nil {
		t.Errorf("Info over TLS: %v", err)
	}
}

// Instances provisioned at the same time get ports of their own and all work.
func TestProvider_ParallelProvision(t *testing.T) {
	e := newEnv(t)
	p := e.MustOpen(t, addonstest.Root(t))
	const n = 4
	insts := make([]addons.Instance, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			insts[i], errs[i] = p.Provision(t.Context(), addons.Request{ID: "par" + strconv.Itoa(i)})
		})
	}
	wg.Wait()
	addrs := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Provision %d: %v", i, errs[i])
		}
		addrs[insts[i].Addr] = true
		c := mustClient(t, insts[i].URL, nil)
		if err := c.Set(t.Context(), "k", i, 0).Err(); err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	if len(addrs) != n {
		t.Errorf("%d instances share %d addresses", n, len(addrs))
	}
}
