package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/kingvon-ke/bera"
)

const formationColumns = "id, app_id, type, quantity, size, command, created_at, updated_at"

// ListFormation returns the formation of an app, ordered by type.
func (s *Store) ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error) {
	return s.listFormation(ctx, s.r, appID)
}

func (s *Store) listFormation(ctx context.Context, db querier, appID string) ([]*bera.Formation, error) {
	rows, err := db.QueryContext(ctx, s.q("SELECT "+formationColumns+" FROM formations WHERE app_id = ? ORDER BY type"), appID)
	if err != nil {
		return nil, fmt.Errorf("list formation: %w", err)
	}
	fs, err := collect(rows, scanFormation)
	if err != nil {
		return nil, fmt.Errorf("list formation: %w", err)
	}
	return fs, nil
}

func scanFormation(sc scanner) (*bera.Formation, error) {
	var f bera.Formation
	var created, updated string
	if err := sc.Scan(&f.ID, &f.AppID, &f.Type, &f.Quantity, &f.Size, &f.Command, &created, &updated); err != nil {
		return nil, err
	}
	return &f, parseTimes(&f.CreatedAt, created, &f.UpdatedAt, updated)
}

// SetProcessTypes makes the formation match a release's process types: it adds missing
// types (quantity 1 for "web" when the app had no formation before, 0 otherwise; size
// bera.DefaultDynoSize), updates commands, and deletes types no longer present.
// EInvalid for a malformed type name; ENotFound "app".
func (s *Store) SetProcessTypes(ctx context.Context, appID string, types map[string]string) error {
	for t := range types {
		if err := bera.ValidateProcessType(t); err != nil {
			return err
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		current, err := s.listFormation(ctx, tx, appID)
		if err != nil {
			return err
		}
		return s.syncProcessTypes(ctx, tx, appID, current, types)
	})
}

// syncProcessTypes deletes, updates and inserts formation rows so they match types.
func (s *Store) syncProcessTypes(ctx context.Context, tx *sql.Tx, appID string, current []*bera.Formation, types map[string]string) error {
	now := fmtTime(s.now())
	had := make(map[string]*bera.Formation, len(current))
	for _, f := range current {
		had[f.Type] = f
		cmd, keep := types[f.Type]
		var err error
		switch {
		case !keep:
			_, err = tx.ExecContext(ctx, s.q("DELETE FROM formations WHERE id = ?"), f.ID)
		case cmd != f.Command:
			_, err = tx.ExecContext(ctx, s.q("UPDATE formations SET command = ?, updated_at = ? WHERE id = ?"), cmd, now, f.ID)
		}
		if err != nil {
			return fmt.Errorf("update formation %s: %w", f.Type, err)
		}
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		if had[t] != nil {
			continue
		}
		qty := 0
		if t == "web" && len(current) == 0 {
			qty = 1
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO formations ("+formationColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
			newID(), appID, t, qty, bera.DefaultDynoSize, types[t], now, now)
		if err != nil {
			return fmt.Errorf("insert formation %s: %w", t, err)
		}
	}
	return nil
}

// UpdateFormation applies updates in one transaction and returns the whole formation.
// Relative quantities are added to the current one and clamped at 0; Size is stored as the
// canonical name from bera.LookupDynoSize. ENotFound "formation" (Message "Couldn't find that
// process type (worker).") for an unknown type; nothing is changed then. EInvalid for an
// unknown size.
func (s *Store) UpdateFormation(ctx context.Context, appID string, updates []bera.FormationUpdate) ([]*bera.Formation, error) {
	var out []*bera.Formation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		current, err := s.listFormation(ctx, tx, appID)
		if err != nil {
			return err
		}
		changed, err := applyFormationUpdates(current, updates, s.now())
		if err != nil {
			return err
		}
		for _, f := range changed {
			if err := s.saveFormation(ctx, tx, f); err != nil {
				return err
			}
		}
		out = current
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// applyFormationUpdates changes current in memory and returns the rows it changed.
func applyFormationUpdates(current []*bera.Formation, updates []bera.FormationUpdate, now time.Time) ([]*bera.Formation, error) {
	byType := make(map[string]*bera.Formation, len(current))
	for _, f := range current {
		byType[f.Type] = f
	}
	var changed []*bera.Formation
	for _, u := range updates {
		f := byType[u.Type]
		if f == nil {
			return nil, errNoProcessType(u.Type)
		}
		if err := applyFormationUpdate(f, u); err != nil {
			return nil, err
		}
		f.UpdatedAt = now
		if !slices.Contains(changed, f) {
			changed = append(changed, f)
		}
	}
	return changed, nil
}

func applyFormationUpdate(f *bera.Formation, u bera.FormationUpdate) error {
	if u.Size != "" {
		size, err := bera.LookupDynoSize(u.Size)
		if err != nil {
			return err
		}
		f.Size = size.Name
	}
	if u.Quantity != nil {
		q := *u.Quantity
		if u.Relative {
			q += f.Quantity
		}
		f.Quantity = max(q, 0)
	}
	return nil
}

func (s *Store) saveFormation(ctx context.Context, tx *sql.Tx, f *bera.Formation) error {
	_, err := tx.ExecContext(ctx, s.q("UPDATE formations SET quantity = ?, size = ?, updated_at = ? WHERE id = ?"),
		f.Quantity, f.Size, fmtTime(f.UpdatedAt), f.ID)
	if err != nil {
		return fmt.Errorf("update formation %s: %w", f.Type, err)
	}
	return nil
}

// OwnerDynos counts the dynos in the formations of the apps ownerID owns, leaving out
// exceptAppID (the app whose formation is being changed): what a per-account dyno limit
// adds the changed app's new formation to.
func (s *Store) OwnerDynos(ctx context.Context, ownerID, exceptAppID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT COALESCE(SUM(f.quantity), 0) FROM formations f JOIN apps a ON a.id = f.app_id
		WHERE a.owner_id = ? AND a.id <> ?`), ownerID, exceptAppID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count owner dynos: %w", err)
	}
	return n, nil
}
