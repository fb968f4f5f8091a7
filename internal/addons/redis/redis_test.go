package redis_test

import (
	"crypto/rand"
	"crypto/x509"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/addons/redis"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/secret"
)

// env is what the providers of one test share across reopenings: the sealing key and the
// ports.
type env struct {
	box   *secret.Box
	ports *addons.Ports
	ca    *pki.CA
}

func newEnv(t testing.TB) *env {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		addonstest.Missing(t, "apt-get install -y redis-server")
	}
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &env{box: box, ports: &addons.Ports{}, ca: ca}
}

// MustOpen opens a heroku-redis provider on root; the instances it leaves running are
// stopped when the test ends.
func (e *env) MustOpen(t testing.TB, root string) *redis.Provider {
	t.Helper()
	p, err := redis.New(redis.Config{Root: root, Ports: e.ports, Box: e.box, CA: e.ca, Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
		Supervisor: supervisor.Config{Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(t.Context()) })
	return p
}

func TestConformance(t *testing.T) {
	e := newEnv(t)
	addonstest.Run(t, addonstest.Options{
		Open:    func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Client:  addonstest.Redis,
		Durable: durable,
	})
}

// durable is what appendfsync everysec promises: a write acknowledged while a background
// fsync runs reaches the AOF up to 2 s later (redis.conf's documented window).
const durable = 2500 * time.Millisecond

// The same suite on an instance that serves TLS only (rediss://).
func TestConformance_TLS(t *testing.T) {
	e := newEnv(t)
	roots := x509.NewCertPool()
	roots.AddCert(e.ca.Cert)
	addonstest.Run(t, addonstest.Options{
		Open:    func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Config:  map[string]string{"tls": "true"},
		Client:  addonstest.RedisTLS(roots),
		Durable: durable,
	})
}

func TestDynoHost(t *testing.T) {
	e := newEnv(t)
	addonstest.RunDynoHost(t, e.ports, addonstest.Options{
		Open:   func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Client: addonstest.Redis,
	})
}
