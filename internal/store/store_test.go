package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store { return storetest.OpenSQLite(t) })
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) *store.Store { return storetest.OpenPostgres(t) })
}

// TestReopen checks that opening an existing database applies nothing twice and keeps data.
func TestReopen(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "bera.db")
		box := storetest.NewCipher(t)
		first := openSQLite(t, path, box, nil)
		mustCreateUser(t, first, "a@example.com")
		first.Close()
		assertReopened(t, openSQLite(t, path, box, nil))
	})
	t.Run("postgres", func(t *testing.T) {
		first, dsn := storetest.OpenPostgresURL(t)
		mustCreateUser(t, first, "a@example.com")
		// The second store has its own cipher, which is fine: only users are read back.
		second, err := store.Open(t.Context(), store.Config{DatabaseURL: dsn, Cipher: storetest.NewCipher(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { second.Close() })
		assertReopened(t, second)
	})
}

func assertReopened(t *testing.T, st *store.Store) {
	t.Helper()
	var versions int
	if err := st.DB().QueryRowContext(t.Context(), "SELECT COUNT(*) FROM schema_migrations").Scan(&versions); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("migrations")
	if versions != len(entries) {
		t.Errorf("schema_migrations has %d rows, want %d", versions, len(entries))
	}
	if n, err := st.CountUsers(t.Context()); err != nil || n != 1 {
		t.Errorf("CountUsers after reopen = %d, %v; want 1", n, err)
	}
}

// TestSQLiteFileHasNoPlaintext scans the database and WAL files for a config value.
func TestSQLiteFileHasNoPlaintext(t *testing.T) {
	dir := t.TempDir()
	st := openSQLite(t, filepath.Join(dir, "bera.db"), storetest.NewCipher(t), nil)
	ctx := t.Context()
	u := mustCreateUser(t, st, "u@example.com")
	app := &bera.App{Name: "secret-app", OwnerID: u.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	const value = "very-secret-plaintext-4242"
	v := value
	if _, _, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "TOKEN", Value: &v}}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "bera.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(value)) {
			t.Errorf("%s contains the plaintext config value", filepath.Base(f))
		}
	}
	if len(files) == 0 {
		t.Fatal("no database files found")
	}
}

// TestTimesRoundTrip checks that an injected clock's time comes back exactly, in UTC.
func TestTimesRoundTrip(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3*3600))
	st := openSQLite(t, filepath.Join(t.TempDir(), "bera.db"), storetest.NewCipher(t), func() time.Time { return at })
	u := mustCreateUser(t, st, "u@example.com")
	got, err := st.User(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC || got.CreatedAt != u.CreatedAt {
		t.Errorf("CreatedAt = %v, want %v in UTC (returned %v)", got.CreatedAt, at, u.CreatedAt)
	}
}

// FuzzRelease feeds release lookups arbitrary id-or-version strings: the answer is a release
// or ENotFound, never another error.
func FuzzRelease(f *testing.F) {
	for _, s := range []string{"1", "v1", "0", "-1", "99999999999999999999", "' OR 1=1 --", ""} {
		f.Add(s)
	}
	st := openSQLite(f, filepath.Join(f.TempDir(), "bera.db"), storetest.NewCipher(f), nil)
	u := mustCreateUser(f, st, "u@example.com")
	app := &bera.App{Name: "fuzz", OwnerID: u.ID}
	if _, err := st.CreateApp(context.Background(), app); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		rel, err := st.Release(context.Background(), app.ID, key)
		if err != nil && bera.ErrorCode(err) != bera.ENotFound {
			t.Fatalf("Release(%q): %v", key, err)
		}
		if err == nil && rel.AppID != app.ID {
			t.Fatalf("Release(%q) returned another app's release", key)
		}
	})
}

// BenchmarkAppLookup measures what GET /apps/{app} does: App then Role, among 1,000 apps.
func BenchmarkAppLookup(b *testing.B) {
	for _, db := range benchStores(b) {
		b.Run(db.name, func(b *testing.B) {
			u, apps := seedApps(b, db.st, 1000)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				app, err := db.st.App(ctx, apps[i%len(apps)].Name)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := db.st.Role(ctx, app.ID, u.ID); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkUpdateConfigVars measures what PATCH config-vars does, among 1,000 apps.
func BenchmarkUpdateConfigVars(b *testing.B) {
	for _, db := range benchStores(b) {
		b.Run(db.name, func(b *testing.B) {
			u, apps := seedApps(b, db.st, 1000)
			ctx := context.Background()
			v := "value"
			i := 0
			for b.Loop() {
				app := apps[i%len(apps)]
				if _, err := db.st.ConfigVars(ctx, app.ID); err != nil {
					b.Fatal(err)
				}
				changes := []bera.ConfigChange{{Key: fmt.Sprintf("K%d", i%20), Value: &v}}
				if _, _, err := db.st.UpdateConfigVars(ctx, app.ID, u.ID, changes); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

type benchStore struct {
	name string
	st   *store.Store
}

func benchStores(b *testing.B) []benchStore {
	out := []benchStore{{"sqlite", storetest.OpenSQLite(b)}}
	if os.Getenv("BERA_BENCH_POSTGRES") != "" {
		out = append(out, benchStore{"postgres", storetest.OpenPostgres(b)})
	}
	return out
}

func seedApps(b *testing.B, st *store.Store, n int) (*bera.User, []*bera.App) {
	b.Helper()
	u := mustCreateUser(b, st, fmt.Sprintf("bench-%d@example.com", b.N))
	apps := make([]*bera.App, n)
	for i := range apps {
		apps[i] = &bera.App{Name: fmt.Sprintf("app-%d-%d", b.N, i), OwnerID: u.ID}
		if _, err := st.CreateApp(context.Background(), apps[i]); err != nil {
			b.Fatal(err)
		}
	}
	return u, apps
}

func openSQLite(tb testing.TB, path string, c store.Cipher, now func() time.Time) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{SQLitePath: path, Cipher: c, Now: now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func mustCreateUser(tb testing.TB, st *store.Store, email string) *bera.User {
	tb.Helper()
	u := &bera.User{Email: email}
	if err := st.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// The database holds password hashes and sealed config vars: only its owner may read it.
func TestSQLiteFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bera.db")
	// A new database: the -wal and -shm files SQLite creates take the database's mode.
	st := openSQLite(t, path, storetest.NewCipher(t), time.Now)
	mustCreateUser(t, st, "mode@example.com")
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: mode %o, want 600", filepath.Base(p), got)
		}
	}
	t.Run("Existing", func(t *testing.T) {
		// An older server's files, world-readable.
		st.Close()
		os.Chmod(path, 0o644)
		os.Chmod(path+"-wal", 0o644)
		openSQLite(t, path, storetest.NewCipher(t), time.Now)
		for _, p := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s after reopen: %v %v, want mode 600", filepath.Base(p), fi.Mode(), err)
			}
		}
	})
}
