// Package storetest holds the behaviour suite every store backend must pass, and helpers
// that open a fresh store on SQLite or PostgreSQL for tests of other packages.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/store"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// DefaultPostgresURL is used when BERA_TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// NewCipher returns a cipher with a random key.
func NewCipher(tb testing.TB) *secret.Box {
	tb.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	box, err := secret.NewBox(key)
	if err != nil {
		tb.Fatal(err)
	}
	return box
}

// OpenSQLite opens a store on a new SQLite file in tb.TempDir, closed in tb.Cleanup.
func OpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return OpenSQLiteAt(tb, filepath.Join(tb.TempDir(), "bera.db"))
}

// OpenSQLiteAt opens a store on the SQLite file at path, closed in tb.Cleanup.
func OpenSQLiteAt(tb testing.TB, path string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{SQLitePath: path, Cipher: NewCipher(tb)})
	if err != nil {
		tb.Fatalf("open sqlite store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// OpenPostgres opens a store in a new schema of the database at BERA_TEST_DATABASE_URL
// (default DefaultPostgresURL). The schema is dropped in tb.Cleanup. It skips the test when
// PostgreSQL is unreachable, or fails it when CI=true.
func OpenPostgres(tb testing.TB) *store.Store {
	tb.Helper()
	st, _ := OpenPostgresURL(tb)
	return st
}

// OpenPostgresURL is OpenPostgres that also returns the database URL of the new schema, so
// a test can open a second store on the same data.
func OpenPostgresURL(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	base := os.Getenv("BERA_TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	schema := newSchema(tb, base)
	dsn := withSearchPath(tb, base, schema)
	st, err := store.Open(context.Background(), store.Config{DatabaseURL: dsn, Cipher: NewCipher(tb)})
	if err != nil {
		tb.Fatalf("open postgres store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st, dsn
}

// newSchema creates a uniquely named schema and registers its removal.
func newSchema(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(context.Background())
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		skipOrFail(tb, fmt.Sprintf("PostgreSQL unreachable at %s (%v); install it with: apt-get install postgresql", base, err))
	}
	schema := "bera_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

func withSearchPath(tb testing.TB, base, schema string) string {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse BERA_TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// skipOrFail skips the test, or fails it when CI=true.
func skipOrFail(tb testing.TB, msg string) {
	tb.Helper()
	beratest.Missing(tb, msg)
}
