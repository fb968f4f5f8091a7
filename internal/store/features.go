package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kingvon-ke/bera"
)

// maintenanceFeature is the feature backed by the app's Maintenance field rather than a row.
const maintenanceFeature = "maintenance"

// AppFeatures returns the catalog bera.AppFeatures with Enabled set for this app. The
// "maintenance" feature mirrors App.Maintenance. ENotFound "app".
func (s *Store) AppFeatures(ctx context.Context, appID string) ([]bera.AppFeature, error) {
	app, err := s.app(ctx, s.r, appID)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT name, enabled FROM app_features WHERE app_id = ?"), app.ID)
	if err != nil {
		return nil, fmt.Errorf("list app features: %w", err)
	}
	enabled, err := collect(rows, scanFeature)
	if err != nil {
		return nil, fmt.Errorf("list app features: %w", err)
	}
	on := map[string]bool{maintenanceFeature: app.Maintenance}
	for _, f := range enabled {
		if f.Name != maintenanceFeature {
			on[f.Name] = f.Enabled
		}
	}
	out := make([]bera.AppFeature, len(bera.AppFeatures))
	for i, f := range bera.AppFeatures {
		f.Enabled = on[f.Name]
		out[i] = f
	}
	return out, nil
}

func scanFeature(sc scanner) (bera.AppFeature, error) {
	var f bera.AppFeature
	err := sc.Scan(&f.Name, &f.Enabled)
	return f, err
}

// SetAppFeature enables or disables a feature. ENotFound "feature" for a name not in the
// catalog; ENotFound "app". Setting "maintenance" sets App.Maintenance.
func (s *Store) SetAppFeature(ctx context.Context, appID, name string, enabled bool) error {
	if !inCatalog(name) {
		return bera404("feature")
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, appID); err != nil {
			return err
		}
		now := fmtTime(s.now())
		if name == maintenanceFeature {
			_, err := tx.ExecContext(ctx, s.q("UPDATE apps SET maintenance = ?, updated_at = ? WHERE id = ?"), enabled, now, appID)
			return wrap("set maintenance", err)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_features (app_id, name, enabled, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_id, name) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at`),
			appID, name, enabled, now)
		return wrap("set app feature", err)
	})
}

func inCatalog(name string) bool {
	for _, f := range bera.AppFeatures {
		if f.Name == name {
			return true
		}
	}
	return false
}

// AppsWithFeature returns the IDs of the apps that have a feature enabled, in one query, so
// a loop over every app needs no query per app. ENotFound "feature" for a name not in the
// catalog.
func (s *Store) AppsWithFeature(ctx context.Context, name string) ([]string, error) {
	if !inCatalog(name) {
		return nil, bera404("feature")
	}
	query := "SELECT f.app_id FROM app_features f JOIN apps a ON a.id = f.app_id WHERE f.name = ? AND f.enabled = TRUE ORDER BY f.app_id"
	args := []any{name}
	if name == maintenanceFeature {
		query, args = "SELECT id FROM apps WHERE maintenance = TRUE ORDER BY id", nil
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list apps with feature: %w", err)
	}
	ids, err := collect(rows, func(sc scanner) (string, error) {
		var id string
		return id, sc.Scan(&id)
	})
	return ids, wrap("list apps with feature", err)
}
