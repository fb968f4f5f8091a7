// Package store keeps Bera's desired state (users, keys, apps, releases, config, formation,
// collaborators, builds, slugs) in SQLite (default) or PostgreSQL, with one set of embedded,
// versioned migrations applied on Open.
//
// Errors: methods return *bera.Error with bera.ENotFound for missing rows (with Resource set,
// e.g. bera.NotFound("app")), bera.EConflict / bera.EInvalid for uniqueness violations (see each
// method), and wrapped plain errors for everything else.
//
// On SQLite all writes go through one connection (so writers queue in Go rather than spin on
// SQLITE_BUSY) and reads use a separate pool; WAL mode lets them run side by side. On
// PostgreSQL one pool serves both, and writers that number releases lock the app row.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Cipher encrypts values at rest (config vars). *secret.Box satisfies it.
type Cipher interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Config configures Open.
type Config struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or postgresql://.
	// Otherwise SQLitePath is used.
	DatabaseURL string
	// SQLitePath is the SQLite database file (DATA/bera.db); WAL mode.
	SQLitePath string
	// Cipher seals config vars. Required.
	Cipher Cipher
	// Now returns the current time; defaults to time.Now. Times are stored in UTC.
	Now func() time.Time
}

// Dialect names.
const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

// Store is the handle on the database. It is safe for concurrent use.
type Store struct {
	dialect string
	r       *sql.DB // reads
	w       *sql.DB // writes; the same as r on PostgreSQL
	cipher  Cipher
	nowFn   func() time.Time
}

// Open connects, applies pending migrations and returns the Store.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Cipher == nil {
		return nil, errors.New("open store: a cipher is required")
	}
	s := &Store{cipher: cfg.Cipher, nowFn: cfg.Now}
	if s.nowFn == nil {
		s.nowFn = time.Now
	}
	var err error
	if isPostgresURL(cfg.DatabaseURL) {
		err = s.openPostgres(ctx, cfg.DatabaseURL)
	} else {
		err = s.openSQLite(ctx, cfg.SQLitePath)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connect to postgres: %w", err)
	}
	s.dialect, s.r, s.w = dialectPostgres, db, db
	return nil
}

func (s *Store) openSQLite(ctx context.Context, path string) error {
	if path == "" {
		return errors.New("open sqlite: no database path")
	}
	if err := restrictSQLiteFiles(path); err != nil {
		return err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer connection: writers queue in database/sql instead of busy-waiting.
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.dialect, s.r, s.w = dialectSQLite, r, w
	return nil
}

// restrictSQLiteFiles makes the database file, created if missing, readable by its owner
// only, and its -wal and -shm files if they exist (older servers left them 0644). SQLite
// gives the files it creates the database file's mode.
func restrictSQLiteFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("open sqlite %s: %w", path, err)
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// DB returns the underlying database handle (the write handle on SQLite), for diagnostics
// and tests that inspect raw rows. Callers must not change data through it.
func (s *Store) DB() *sql.DB { return s.w }

// now returns the current time in UTC without a monotonic reading, so what is returned to a
// caller equals what is read back later.
func (s *Store) now() time.Time { return s.nowFn().UTC().Round(0) }
