package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const apiKeyColumns = "k.id, k.user_id, k.hash, k.description, k.created_at, k.expires_at"

// CreateAPIKey inserts k (ID and CreatedAt filled when empty). k.Hash is the hex SHA-256.
func (s *Store) CreateAPIKey(ctx context.Context, k *bera.APIKey) error {
	if k.ID == "" {
		k.ID = newID()
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now()
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO api_keys (id, user_id, hash, description, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`),
		k.ID, k.UserID, k.Hash, k.Description, fmtTime(k.CreatedAt), fmtTimePtr(k.ExpiresAt))
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// UserByAPIKeyHash returns the user owning the non-expired key with this hash, and the key.
// ENotFound "api_key" otherwise.
func (s *Store) UserByAPIKeyHash(ctx context.Context, hash string) (*bera.User, *bera.APIKey, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+apiKeyColumns+", "+userColumns+`
		FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.hash = ? AND (k.expires_at IS NULL OR k.expires_at > ?)`), hash, fmtTime(s.now()))
	k, u, err := scanKeyAndUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, bera404("api_key")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("get user by api key: %w", err)
	}
	return u, k, nil
}

func scanKeyAndUser(row *sql.Row) (*bera.APIKey, *bera.User, error) {
	var k bera.APIKey
	var u bera.User
	var kCreated, uCreated, uUpdated string
	var kExpires, uLast sql.NullString
	err := row.Scan(&k.ID, &k.UserID, &k.Hash, &k.Description, &kCreated, &kExpires,
		&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Admin, &uCreated, &uUpdated, &uLast)
	if err != nil {
		return nil, nil, err
	}
	if err := parseTimes(&k.CreatedAt, kCreated, &u.CreatedAt, uCreated, &u.UpdatedAt, uUpdated); err != nil {
		return nil, nil, err
	}
	if k.ExpiresAt, err = parseTimePtr(kExpires); err != nil {
		return nil, nil, err
	}
	u.LastLogin, err = parseTimePtr(uLast)
	return &k, &u, err
}

func scanAPIKey(sc scanner) (*bera.APIKey, error) {
	var k bera.APIKey
	var created string
	var expires sql.NullString
	if err := sc.Scan(&k.ID, &k.UserID, &k.Hash, &k.Description, &created, &expires); err != nil {
		return nil, err
	}
	if err := parseTimes(&k.CreatedAt, created); err != nil {
		return nil, err
	}
	var err error
	k.ExpiresAt, err = parseTimePtr(expires)
	return &k, err
}

// ListAPIKeys returns a user's keys, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, userID string) ([]*bera.APIKey, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+apiKeyColumns+" FROM api_keys k WHERE k.user_id = ? ORDER BY k.created_at, k.id"), userID)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	keys, err := collect(rows, scanAPIKey)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// DeleteAPIKey deletes a key of a user. ENotFound "api_key".
func (s *Store) DeleteAPIKey(ctx context.Context, userID, keyID string) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM api_keys WHERE id = ? AND user_id = ?"), keyID, userID)
	if err != nil {
		return fmt.Errorf("delete api key: %w", err)
	}
	return rowsAffected(res, "api_key")
}
