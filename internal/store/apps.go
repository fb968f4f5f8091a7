package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kingvon-ke/bera"
)

const appColumns = `a.id, a.name, a.owner_id, u.email, a.region, a.stack, a.build_stack, a.maintenance,
	a.buildpacks, a.repo_size, a.slug_size, a.created_at, a.updated_at, a.released_at, a.boot_timeout,
	COALESCE(a.space_id, ''), COALESCE(sp.name, ''), a.internal_routing`

const appFrom = " FROM apps a JOIN users u ON u.id = a.owner_id LEFT JOIN spaces sp ON sp.id = a.space_id"

// CreateApp inserts app (ID, timestamps filled when empty), makes app.OwnerID its owner
// collaborator, and creates release v1 "Initial release" (succeeded, empty config, user =
// owner) in one transaction. Returns the new v1. EInvalid "Name is already taken" (Resource
// "app") when the name exists.
func (s *Store) CreateApp(ctx context.Context, app *bera.App) (*bera.Release, error) {
	now := s.now()
	fillApp(app, now)
	rel := &bera.Release{AppID: app.ID, Description: "Initial release", Status: bera.ReleaseSucceeded,
		Config: map[string]string{}, UserID: app.OwnerID}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertApp(ctx, tx, app); err != nil {
			return err
		}
		owner := &bera.Collaborator{AppID: app.ID, UserID: app.OwnerID, Role: bera.RoleOwner}
		if err := s.insertCollaborator(ctx, tx, owner, now); err != nil {
			return err
		}
		return s.writeRelease(ctx, tx, rel)
	})
	if err != nil {
		return nil, err
	}
	released := rel.CreatedAt
	app.ReleasedAt = &released
	return rel, nil
}

// fillApp sets the ID and timestamps of a new app when they are empty.
func fillApp(app *bera.App, now time.Time) {
	if app.ID == "" {
		app.ID = newID()
	}
	if app.CreatedAt.IsZero() {
		app.CreatedAt = now
	}
	if app.UpdatedAt.IsZero() {
		app.UpdatedAt = now
	}
	if app.Buildpacks == nil {
		app.Buildpacks = []string{}
	}
}

func (s *Store) insertApp(ctx context.Context, tx *sql.Tx, app *bera.App) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO apps (id, name, owner_id, region, stack, build_stack,
		maintenance, buildpacks, repo_size, slug_size, created_at, updated_at, released_at, space_id,
		internal_routing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		app.ID, app.Name, app.OwnerID, app.Region, app.Stack, app.BuildStack, app.Maintenance,
		jsonText(app.Buildpacks), app.RepoSize, app.SlugSize, fmtTime(app.CreatedAt),
		fmtTime(app.UpdatedAt), fmtTimePtr(app.ReleasedAt), nullString(app.SpaceID), app.InternalRouting)
	if isUniqueViolation(err) {
		return errAppNameTaken()
	}
	if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return nil
}

// App returns an app by ID or name, with OwnerEmail filled. ENotFound "app".
func (s *Store) App(ctx context.Context, idOrName string) (*bera.App, error) {
	return s.app(ctx, s.r, idOrName)
}

func (s *Store) app(ctx context.Context, db querier, idOrName string) (*bera.App, error) {
	row := db.QueryRowContext(ctx, s.q("SELECT "+appColumns+appFrom+" WHERE a.id = ? OR a.name = ?"), idOrName, idOrName)
	app, err := scanApp(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("app")
	}
	if err != nil {
		return nil, fmt.Errorf("get app: %w", err)
	}
	return app, nil
}

// scanApp reads the columns of appColumns.
func scanApp(sc scanner) (*bera.App, error) {
	var a bera.App
	var buildpacks, created, updated string
	var released sql.NullString
	err := sc.Scan(&a.ID, &a.Name, &a.OwnerID, &a.OwnerEmail, &a.Region, &a.Stack, &a.BuildStack,
		&a.Maintenance, &buildpacks, &a.RepoSize, &a.SlugSize, &created, &updated, &released, &a.BootTimeout,
		&a.SpaceID, &a.SpaceName, &a.InternalRouting)
	if err != nil {
		return nil, err
	}
	if err := fromJSONText(buildpacks, &a.Buildpacks); err != nil {
		return nil, err
	}
	if err := parseTimes(&a.CreatedAt, created, &a.UpdatedAt, updated); err != nil {
		return nil, err
	}
	a.ReleasedAt, err = parseTimePtr(released)
	return &a, err
}

// ListApps returns the apps userID owns or collaborates on, ordered by name. An empty
// userID lists every app.
func (s *Store) ListApps(ctx context.Context, userID string) ([]*bera.App, error) {
	query, args := "SELECT "+appColumns+appFrom+" ORDER BY a.name", []any{}
	if userID != "" {
		query = "SELECT " + appColumns + appFrom + `
			WHERE a.id IN (SELECT c.app_id FROM collaborators c WHERE c.user_id = ?) ORDER BY a.name`
		args = append(args, userID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	apps, err := collect(rows, scanApp)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	return apps, nil
}

// UpdateApp applies the non-nil fields of upd and returns the updated app. ENotFound "app";
// EInvalid "Name is already taken" on a rename to an existing name.
func (s *Store) UpdateApp(ctx context.Context, appID string, upd bera.AppUpdate) (*bera.App, error) {
	var app *bera.App
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if app, err = s.app(ctx, tx, appID); err != nil {
			return err
		}
		applyAppUpdate(app, upd)
		app.UpdatedAt = s.now()
		_, err = tx.ExecContext(ctx, s.q(`UPDATE apps SET name = ?, maintenance = ?, build_stack = ?,
			buildpacks = ?, boot_timeout = ?, updated_at = ? WHERE id = ?`),
			app.Name, app.Maintenance, app.BuildStack, jsonText(app.Buildpacks), app.BootTimeout, fmtTime(app.UpdatedAt), app.ID)
		if isUniqueViolation(err) {
			return errAppNameTaken()
		}
		if err != nil {
			return fmt.Errorf("update app: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

func applyAppUpdate(app *bera.App, upd bera.AppUpdate) {
	if upd.Name != nil {
		app.Name = *upd.Name
	}
	if upd.Maintenance != nil {
		app.Maintenance = *upd.Maintenance
	}
	if upd.BuildStack != nil {
		app.BuildStack = *upd.BuildStack
	}
	if upd.Buildpacks != nil {
		app.Buildpacks = append([]string{}, (*upd.Buildpacks)...)
	}
	if upd.BootTimeout != nil {
		app.BootTimeout = *upd.BootTimeout
	}
}

// DeleteApp deletes an app and everything that belongs to it (releases, config, formation,
// collaborators, features, builds, slugs rows). ENotFound "app".
func (s *Store) DeleteApp(ctx context.Context, appID string) error {
	// Every table that belongs to an app references it ON DELETE CASCADE.
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM apps WHERE id = ?"), appID)
	if err != nil {
		return fmt.Errorf("delete app: %w", err)
	}
	return rowsAffected(res, "app")
}
