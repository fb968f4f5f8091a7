package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const userColumns = "u.id, u.email, u.name, u.password_hash, u.admin, u.created_at, u.updated_at, u.last_login"

// CreateUser inserts u, filling ID (uuid) and timestamps when empty.
// EInvalid "That email is already taken." when the email exists (case-insensitive).
func (s *Store) CreateUser(ctx context.Context, u *bera.User) error {
	now := s.now()
	if u.ID == "" {
		u.ID = newID()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = now
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO users
		(id, email, name, password_hash, admin, created_at, updated_at, last_login)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		u.ID, u.Email, u.Name, u.PasswordHash, u.Admin, fmtTime(u.CreatedAt), fmtTime(u.UpdatedAt), fmtTimePtr(u.LastLogin))
	if isUniqueViolation(err) {
		return errEmailTaken()
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// User returns a user by ID or email (case-insensitive). ENotFound "user".
func (s *Store) User(ctx context.Context, idOrEmail string) (*bera.User, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users u WHERE u.id = ? OR lower(u.email) = lower(?)"), idOrEmail, idOrEmail)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("user")
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// scanUser reads the columns of userColumns.
func scanUser(sc scanner) (*bera.User, error) {
	var u bera.User
	var created, updated string
	var last sql.NullString
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Admin, &created, &updated, &last); err != nil {
		return nil, err
	}
	if err := parseTimes(&u.CreatedAt, created, &u.UpdatedAt, updated); err != nil {
		return nil, err
	}
	var err error
	u.LastLogin, err = parseTimePtr(last)
	return &u, err
}

// CountUsers returns the number of users.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// TouchUserLogin sets LastLogin to now. ENotFound "user".
func (s *Store) TouchUserLogin(ctx context.Context, userID string) error {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE users SET last_login = ? WHERE id = ?"), fmtTime(s.now()), userID)
	if err != nil {
		return fmt.Errorf("touch user login: %w", err)
	}
	return rowsAffected(res, "user")
}
