package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"time"
)

// The Cert* methods are a key/value space with named leases for the ACME client's state
// (accounts, certificates, keys, challenge tokens), shared by every server on the database.
// Values are sealed at rest. Keys are slash-separated paths.

// CertPut stores value at key, replacing what was there.
func (s *Store) CertPut(ctx context.Context, key string, value []byte) error {
	sealed, err := s.sealText(string(value))
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO cert_storage (key, value, size, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, size = excluded.size, updated_at = excluded.updated_at`),
		key, sealed, len(value), fmtTime(s.now()))
	return wrap("store cert key", err)
}

// CertGet returns the value at key; an error wrapping fs.ErrNotExist when there is none.
func (s *Store) CertGet(ctx context.Context, key string) ([]byte, error) {
	var sealed string
	err := s.r.QueryRowContext(ctx, s.q("SELECT value FROM cert_storage WHERE key = ?"), key).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("cert key %s: %w", key, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("load cert key: %w", err)
	}
	plain, err := s.openText(sealed)
	return []byte(plain), err
}

// CertDelete deletes key and every key under key/. A missing key is not an error.
func (s *Store) CertDelete(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM cert_storage WHERE key = ? OR substr(key, 1, ?) = ?"),
		key, len(key)+1, key+"/")
	return wrap("delete cert key", err)
}

// CertKeys returns every stored key under prefix/ (all keys for an empty prefix), sorted.
func (s *Store) CertKeys(ctx context.Context, prefix string) ([]string, error) {
	query, args := "SELECT key FROM cert_storage ORDER BY key", []any{}
	if prefix != "" {
		query = "SELECT key FROM cert_storage WHERE substr(key, 1, ?) = ? ORDER BY key"
		args = append(args, len(prefix)+1, prefix+"/")
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list cert keys: %w", err)
	}
	keys, err := collect(rows, func(sc scanner) (string, error) {
		var k string
		return k, sc.Scan(&k)
	})
	return keys, wrap("list cert keys", err)
}

// CertStat returns the size and modification time of the value at key; an error wrapping
// fs.ErrNotExist when there is none.
func (s *Store) CertStat(ctx context.Context, key string) (int64, time.Time, error) {
	var size int64
	var updated string
	err := s.r.QueryRowContext(ctx, s.q("SELECT size, updated_at FROM cert_storage WHERE key = ?"), key).Scan(&size, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, fmt.Errorf("cert key %s: %w", key, fs.ErrNotExist)
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("stat cert key: %w", err)
	}
	t, err := parseTime(updated)
	return size, t, err
}

// CertTryLock takes (or extends) the lease called name for owner until ttl from now, and
// reports whether owner holds it. A lease held by another owner past its expiry is taken.
func (s *Store) CertTryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.w.ExecContext(ctx, s.q(`INSERT INTO cert_locks (name, owner, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
		WHERE cert_locks.owner = excluded.owner OR cert_locks.expires_at < ?`),
		name, owner, fmtTime(now.Add(ttl)), fmtTime(now))
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n > 0, wrap("lock "+name, err)
}

// CertUnlock releases owner's lease called name. Releasing a lease one does not hold is a
// no-op.
func (s *Store) CertUnlock(ctx context.Context, name, owner string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM cert_locks WHERE name = ? AND owner = ?"), name, owner)
	return wrap("unlock "+name, err)
}
