package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"

	"github.com/kingvon-ke/bera"
)

const spaceColumns = `sp.id, sp.name, sp.owner_id, u.email, sp.cidr, sp.created_at, sp.updated_at`

const spaceFrom = " FROM spaces sp JOIN users u ON u.id = sp.owner_id"

// CreateSpace inserts sp (ID and timestamps filled). With no CIDR it takes the first of
// bera.SpaceCIDRCandidates that no space uses. EInvalid (Resource "space") when the name or
// the CIDR is taken, or when a given CIDR overlaps another space's.
func (s *Store) CreateSpace(ctx context.Context, sp *bera.Space) error {
	now := s.now()
	sp.ID, sp.CreatedAt, sp.UpdatedAt = newID(), now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		used, err := s.spaceCIDRs(ctx, tx)
		if err != nil {
			return err
		}
		if !sp.CIDR.IsValid() {
			for _, c := range bera.SpaceCIDRCandidates() {
				if !overlapsAny(c, used) {
					sp.CIDR = c
					break
				}
			}
			if !sp.CIDR.IsValid() {
				return &bera.Error{Code: bera.EInvalid, Resource: "space", Message: "No free network left for a space; give one with --cidr."}
			}
		} else if overlapsAny(sp.CIDR, used) {
			return &bera.Error{Code: bera.EInvalid, Resource: "space", Message: "CIDR " + sp.CIDR.String() + " overlaps another space's network."}
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO spaces (id, name, owner_id, cidr, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`), sp.ID, sp.Name, sp.OwnerID, sp.CIDR.String(), fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return &bera.Error{Code: bera.EInvalid, Resource: "space", Message: "Name " + sp.Name + " is already taken."}
		}
		return wrap("insert space", err)
	})
}

func overlapsAny(p netip.Prefix, used []netip.Prefix) bool {
	for _, u := range used {
		if u.Overlaps(p) {
			return true
		}
	}
	return false
}

func (s *Store) spaceCIDRs(ctx context.Context, db querier) ([]netip.Prefix, error) {
	rows, err := db.QueryContext(ctx, "SELECT cidr FROM spaces")
	if err != nil {
		return nil, fmt.Errorf("list space networks: %w", err)
	}
	return collect(rows, func(sc scanner) (netip.Prefix, error) {
		var c string
		if err := sc.Scan(&c); err != nil {
			return netip.Prefix{}, err
		}
		return netip.ParsePrefix(c)
	})
}

// Space returns a space by ID or name. ENotFound "space".
func (s *Store) Space(ctx context.Context, idOrName string) (*bera.Space, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+spaceColumns+spaceFrom+" WHERE sp.id = ? OR sp.name = ?"), idOrName, idOrName)
	sp, err := scanSpace(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("space")
	}
	return sp, wrap("get space", err)
}

// ListSpaces returns the spaces userID owns or has an app in (as a collaborator), by
// name; an empty userID lists every space.
func (s *Store) ListSpaces(ctx context.Context, userID string) ([]*bera.Space, error) {
	query, args := "SELECT "+spaceColumns+spaceFrom+" ORDER BY sp.name", []any{}
	if userID != "" {
		query = "SELECT " + spaceColumns + spaceFrom + ` WHERE sp.owner_id = ? OR sp.id IN (SELECT a.space_id
			FROM apps a JOIN collaborators c ON c.app_id = a.id WHERE c.user_id = ?) ORDER BY sp.name`
		args = []any{userID, userID}
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list spaces: %w", err)
	}
	return collect(rows, scanSpace)
}

// DeleteSpace removes a space. EConflict while apps are in it; ENotFound "space".
func (s *Store) DeleteSpace(ctx context.Context, id string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM apps WHERE space_id = ?"), id).Scan(&n); err != nil {
			return fmt.Errorf("count space apps: %w", err)
		}
		if n > 0 {
			return &bera.Error{Code: bera.EConflict, Resource: "space", Message: fmt.Sprintf("The space still has %d app(s); destroy them first.", n)}
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM spaces WHERE id = ?"), id)
		if err != nil {
			return fmt.Errorf("delete space: %w", err)
		}
		return rowsAffected(res, "space")
	})
}

// SpaceApps returns the ids and names of the apps in a space.
func (s *Store) SpaceApps(ctx context.Context, spaceID string) (map[string]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, name FROM apps WHERE space_id = ?"), spaceID)
	if err != nil {
		return nil, fmt.Errorf("list space apps: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[id] = name
	}
	return out, rows.Err()
}

func scanSpace(sc scanner) (*bera.Space, error) {
	var sp bera.Space
	var cidr, created, updated string
	if err := sc.Scan(&sp.ID, &sp.Name, &sp.OwnerID, &sp.OwnerEmail, &cidr, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if sp.CIDR, err = netip.ParsePrefix(cidr); err != nil {
		return nil, fmt.Errorf("space %s: %w", sp.ID, err)
	}
	return &sp, parseTimes(&sp.CreatedAt, created, &sp.UpdatedAt, updated)
}
