package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/kingvon-ke/bera"
)

// CreateLogDrain adds a drain to an app (ID and timestamps filled). EInvalid when the app
// already has a drain with this URL; ENotFound "app".
func (s *Store) CreateLogDrain(ctx context.Context, d *bera.LogDrain) error {
	sealed, err := s.cipher.Seal([]byte(d.URL))
	if err != nil {
		return fmt.Errorf("seal drain url: %w", err)
	}
	now := s.now()
	d.ID, d.CreatedAt, d.UpdatedAt = newID(), now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, d.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO log_drains (id, app_id, url_sealed, url_hash, token, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`), d.ID, d.AppID, base64.StdEncoding.EncodeToString(sealed), urlHash(d.URL), d.Token, fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return &bera.Error{Code: bera.EInvalid, Resource: "log_drain", Message: "This app already has a drain with that URL."}
		}
		if err != nil {
			return fmt.Errorf("insert log drain: %w", err)
		}
		return nil
	})
}

func urlHash(u string) string {
	sum := sha256.Sum256([]byte(u))
	return hex.EncodeToString(sum[:])
}

// ListLogDrains returns an app's drains, oldest first; an empty appID lists every drain.
func (s *Store) ListLogDrains(ctx context.Context, appID string) ([]*bera.LogDrain, error) {
	q := "SELECT id, app_id, url_sealed, token, created_at, updated_at FROM log_drains"
	args := []any{}
	if appID != "" {
		q += " WHERE app_id = ?"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY created_at, id"), args...)
	if err != nil {
		return nil, fmt.Errorf("list log drains: %w", err)
	}
	defer rows.Close()
	var out []*bera.LogDrain
	for rows.Next() {
		d, err := s.scanDrain(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s *Store) scanDrain(rows *sql.Rows) (*bera.LogDrain, error) {
	var d bera.LogDrain
	var sealed, created, updated string
	if err := rows.Scan(&d.ID, &d.AppID, &sealed, &d.Token, &created, &updated); err != nil {
		return nil, fmt.Errorf("scan log drain: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("decode drain url: %w", err)
	}
	plain, err := s.cipher.Open(raw)
	if err != nil {
		return nil, fmt.Errorf("open drain url: %w", err)
	}
	d.URL = string(plain)
	if err := parseTimes(&d.CreatedAt, created, &d.UpdatedAt, updated); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteLogDrain removes a drain of an app. ENotFound "log_drain".
func (s *Store) DeleteLogDrain(ctx context.Context, appID, id string) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM log_drains WHERE app_id = ? AND id = ?"), appID, id)
	if err != nil {
		return fmt.Errorf("delete log drain: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return bera.NotFound("log drain")
	}
	return nil
}
