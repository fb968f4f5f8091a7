package postgres_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/addons/postgres"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/secret"
)

// env is what the providers of one test share across reopenings.
type env struct {
	box       *secret.Box
	ports     *addons.Ports
	ca        *pki.CA
	sharedURL string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	if _, err := postgres.FindBinDir(); err != nil {
		addonstest.Missing(t, "apt-get install -y postgresql")
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

// MustOpen opens a heroku-postgresql provider on root; the instances it leaves running
// are stopped when the test ends.
func (e *env) MustOpen(t testing.TB, root string) *postgres.Provider {
	t.Helper()
	p, err := postgres.New(postgres.Config{Root: root, Ports: e.ports, Box: e.box, CA: e.ca, SharedURL: e.sharedURL,
		Logger:     slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Supervisor: supervisor.Config{Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(context.WithoutCancel(t.Context())) })
	return p
}

func TestConformance_Dedicated(t *testing.T) {
	e := newEnv(t)
	addonstest.Run(t, addonstest.Options{
		Open:   func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Client: addonstest.Postgres,
	})
}

func TestDynoHost(t *testing.T) {
	e := newEnv(t)
	addonstest.RunDynoHost(t, e.ports, addonstest.Options{
		Open:   func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Client: addonstest.Postgres,
	})
}
