package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/kingvon-ke/bera"
)

// releaseColumns ends with the Current flag; releaseCurrent computes it in SQL (the newest
// succeeded release of the app) for single lookups, while ListReleases computes it in Go.
const releaseColumns = `r.id, r.app_id, r.version, r.description, r.status, r.slug_id, r.config_sealed,
	r.user_id, COALESCE(u.email, ''), r.addon_plan_names, COALESCE(sl.image, ''), r.created_at, r.updated_at, `

const releaseCurrent = `CASE WHEN r.version = (SELECT MAX(r2.version) FROM releases r2
	WHERE r2.app_id = r.app_id AND r2.status = 'succeeded') THEN 1 ELSE 0 END`

const releaseFrom = " FROM releases r " + releaseJoins

// releaseJoins are the tables releaseColumns reads besides releases r.
const releaseJoins = "LEFT JOIN users u ON u.id = r.user_id LEFT JOIN slugs sl ON sl.id = r.slug_id"

// CreateRelease inserts rel as the app's next version (filling ID, Version, timestamps).
// rel.Config becomes the app's current config in the same transaction (deploys pass the
// current config; rollbacks pass the old release's; nil means empty). Status defaults to
// succeeded. ENotFound "app".
func (s *Store) CreateRelease(ctx context.Context, rel *bera.Release) error {
	if rel.Status == "" {
		rel.Status = bera.ReleaseSucceeded
	}
	if rel.Config == nil {
		rel.Config = map[string]string{}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, rel.AppID); err != nil {
			return err
		}
		return s.writeRelease(ctx, tx, rel)
	})
}

// insertRelease numbers rel max+1 and inserts it with its sealed config, and stamps the app's
// released_at. The caller holds the app lock (PostgreSQL) or the write lock (SQLite), and the
// unique (app_id, version) index backs that up.
func (s *Store) insertRelease(ctx context.Context, tx *sql.Tx, rel *bera.Release, sealed string, now time.Time) error {
	if err := tx.QueryRowContext(ctx, s.q("SELECT COALESCE(MAX(version), 0) + 1 FROM releases WHERE app_id = ?"), rel.AppID).Scan(&rel.Version); err != nil {
		return fmt.Errorf("next release version: %w", err)
	}
	if rel.ID == "" {
		rel.ID = newID()
	}
	if rel.AddonPlanNames == nil {
		rel.AddonPlanNames = []string{}
	}
	rel.CreatedAt, rel.UpdatedAt = now, now
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO releases (id, app_id, version, description, status, slug_id,
		config_sealed, user_id, addon_plan_names, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		rel.ID, rel.AppID, rel.Version, rel.Description, rel.Status, rel.SlugID, sealed, rel.UserID,
		jsonText(rel.AddonPlanNames), fmtTime(now), fmtTime(now))
	if err != nil {
		return fmt.Errorf("insert release: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q("UPDATE apps SET released_at = ? WHERE id = ?"), fmtTime(now), rel.AppID); err != nil {
		return fmt.Errorf("stamp app release time: %w", err)
	}
	rel.Config = maps.Clone(rel.Config)
	rel.Current = rel.Status == bera.ReleaseSucceeded
	return nil
}

// Release returns a release by ID or by version number given as a string ("3").
// ENotFound "release".
func (s *Store) Release(ctx context.Context, appID, idOrVersion string) (*bera.Release, error) {
	query, arg := "SELECT "+releaseColumns+releaseCurrent+releaseFrom+" WHERE r.app_id = ? AND r.id = ?", any(idOrVersion)
	if v, err := strconv.Atoi(idOrVersion); err == nil {
		query, arg = "SELECT "+releaseColumns+releaseCurrent+releaseFrom+" WHERE r.app_id = ? AND r.version = ?", v
	}
	rel, err := s.scanRelease(s.r.QueryRowContext(ctx, s.q(query), appID, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("release")
	}
	if err != nil {
		return nil, fmt.Errorf("get release: %w", err)
	}
	return rel, nil
}

// ListReleases returns every release of an app, oldest first, Current and UserEmail filled.
func (s *Store) ListReleases(ctx context.Context, appID string) ([]*bera.Release, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+releaseColumns+"0"+releaseFrom+" WHERE r.app_id = ? ORDER BY r.version"), appID)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	rels, err := collect(rows, s.scanRelease)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	for i := len(rels) - 1; i >= 0; i-- {
		if rels[i].Status == bera.ReleaseSucceeded {
			rels[i].Current = true
			break
		}
	}
	return rels, nil
}

// CurrentRelease returns the app's current release: the newest succeeded one, with only its
// own config snapshot opened. ENotFound "release" when there is none.
func (s *Store) CurrentRelease(ctx context.Context, appID string) (*bera.Release, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+releaseColumns+"1"+releaseFrom+
		" WHERE r.app_id = ? AND r.status = ? ORDER BY r.version DESC LIMIT 1"), appID, bera.ReleaseSucceeded)
	rel, err := s.scanRelease(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("release")
	}
	if err != nil {
		return nil, fmt.Errorf("get current release: %w", err)
	}
	return rel, nil
}

// scanRelease reads the columns of releaseColumns and opens the config snapshot.
func (s *Store) scanRelease(sc scanner) (*bera.Release, error) {
	var r bera.Release
	var sealed, plans, created, updated string
	err := sc.Scan(&r.ID, &r.AppID, &r.Version, &r.Description, &r.Status, &r.SlugID, &sealed,
		&r.UserID, &r.UserEmail, &plans, &r.Image, &created, &updated, &r.Current)
	if err != nil {
		return nil, err
	}
	if err := fromJSONText(plans, &r.AddonPlanNames); err != nil {
		return nil, err
	}
	if err := parseTimes(&r.CreatedAt, created, &r.UpdatedAt, updated); err != nil {
		return nil, err
	}
	r.Config, err = s.openConfig(sealed)
	return &r, err
}

// SetReleaseStatus sets a release's status (pending → succeeded/failed). ENotFound "release".
func (s *Store) SetReleaseStatus(ctx context.Context, releaseID, status string) error {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE releases SET status = ?, updated_at = ? WHERE id = ?"), status, fmtTime(s.now()), releaseID)
	if err != nil {
		return fmt.Errorf("set release status: %w", err)
	}
	return rowsAffected(res, "release")
}
