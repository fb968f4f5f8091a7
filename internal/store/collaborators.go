package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kingvon-ke/bera"
)

// Role returns the role of userID on appID ("owner" or "collaborator"). ENotFound "app" when
// the user has no access (so callers can answer 404 without revealing the app).
func (s *Store) Role(ctx context.Context, appID, userID string) (string, error) {
	var role string
	err := s.r.QueryRowContext(ctx, s.q("SELECT role FROM collaborators WHERE app_id = ? AND user_id = ?"), appID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", bera404("app")
	}
	if err != nil {
		return "", fmt.Errorf("get role: %w", err)
	}
	return role, nil
}

// AddCollaborator adds userID as a collaborator. EInvalid "User is already a collaborator on
// app." when present. ENotFound "app" or "user" when either does not exist.
func (s *Store) AddCollaborator(ctx context.Context, appID, userID string) (*bera.Collaborator, error) {
	c := &bera.Collaborator{AppID: appID, UserID: userID, Role: bera.RoleCollaborator}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.q("SELECT email FROM users WHERE id = ?"), userID).Scan(&c.UserEmail); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return bera404("user")
			}
			return fmt.Errorf("get collaborator user: %w", err)
		}
		return s.insertCollaborator(ctx, tx, c, s.now())
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// insertCollaborator inserts c, filling ID and timestamps.
func (s *Store) insertCollaborator(ctx context.Context, tx *sql.Tx, c *bera.Collaborator, now time.Time) error {
	c.ID, c.CreatedAt, c.UpdatedAt = newID(), now, now
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO collaborators (id, app_id, user_id, role, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`), c.ID, c.AppID, c.UserID, c.Role, fmtTime(now), fmtTime(now))
	if isUniqueViolation(err) {
		return errDupCollaborator()
	}
	if err != nil {
		return fmt.Errorf("insert collaborator: %w", err)
	}
	return nil
}

// ListCollaborators returns the collaborators of an app (owner first), UserEmail filled.
func (s *Store) ListCollaborators(ctx context.Context, appID string) ([]*bera.Collaborator, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT c.id, c.app_id, c.user_id, u.email, c.role, c.created_at, c.updated_at
		FROM collaborators c JOIN users u ON u.id = c.user_id
		WHERE c.app_id = ?
		ORDER BY CASE WHEN c.role = 'owner' THEN 0 ELSE 1 END, c.created_at, c.id`), appID)
	if err != nil {
		return nil, fmt.Errorf("list collaborators: %w", err)
	}
	cs, err := collect(rows, scanCollaborator)
	if err != nil {
		return nil, fmt.Errorf("list collaborators: %w", err)
	}
	return cs, nil
}

func scanCollaborator(sc scanner) (*bera.Collaborator, error) {
	var c bera.Collaborator
	var created, updated string
	if err := sc.Scan(&c.ID, &c.AppID, &c.UserID, &c.UserEmail, &c.Role, &created, &updated); err != nil {
		return nil, err
	}
	return &c, parseTimes(&c.CreatedAt, created, &c.UpdatedAt, updated)
}

// RemoveCollaborator removes a collaborator by user ID. ENotFound "collaborator";
// EForbidden "The owner cannot be removed." for the owner.
func (s *Store) RemoveCollaborator(ctx context.Context, appID, userID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, s.q("SELECT role FROM collaborators WHERE app_id = ? AND user_id = ?"), appID, userID).Scan(&role)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return bera404("collaborator")
		case err != nil:
			return fmt.Errorf("get collaborator: %w", err)
		case role == bera.RoleOwner:
			return errOwnerRemove()
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM collaborators WHERE app_id = ? AND user_id = ?"), appID, userID)
		if err != nil {
			return fmt.Errorf("remove collaborator: %w", err)
		}
		return nil
	})
}
