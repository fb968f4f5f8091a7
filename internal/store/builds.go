package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const buildColumns = `b.id, b.app_id, b.status, b.source_url, b.source_version, b.buildpacks, b.slug_id,
	b.release_id, b.user_id, COALESCE(u.email, ''), b.stack, b.output_stream_url, b.created_at, b.updated_at`

const buildFrom = " FROM builds b LEFT JOIN users u ON u.id = b.user_id"

// CreateBuild inserts b (ID, timestamps filled; Status defaults to pending). ENotFound "app".
func (s *Store) CreateBuild(ctx context.Context, b *bera.Build) error {
	now := s.now()
	if b.ID == "" {
		b.ID = newID()
	}
	if b.Status == "" {
		b.Status = bera.BuildPending
	}
	if b.Buildpacks == nil {
		b.Buildpacks = []string{}
	}
	b.CreatedAt, b.UpdatedAt = now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, b.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO builds (id, app_id, status, source_url, source_version,
			buildpacks, slug_id, release_id, user_id, stack, output_stream_url, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			b.ID, b.AppID, b.Status, b.SourceURL, b.SourceVersion, jsonText(b.Buildpacks), b.SlugID,
			b.ReleaseID, b.UserID, b.Stack, b.OutputStreamURL, fmtTime(now), fmtTime(now))
		return wrap("create build", err)
	})
}

// UpdateBuild saves Status, SlugID, ReleaseID, SourceVersion and OutputStreamURL of b, and
// sets b.UpdatedAt. ENotFound "build".
func (s *Store) UpdateBuild(ctx context.Context, b *bera.Build) error {
	now := s.now()
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE builds SET status = ?, slug_id = ?, release_id = ?,
		source_version = ?, output_stream_url = ?, updated_at = ? WHERE id = ?`),
		b.Status, b.SlugID, b.ReleaseID, b.SourceVersion, b.OutputStreamURL, fmtTime(now), b.ID)
	if err != nil {
		return fmt.Errorf("update build: %w", err)
	}
	if err := rowsAffected(res, "build"); err != nil {
		return err
	}
	b.UpdatedAt = now
	return nil
}

// Build returns a build of an app by ID. ENotFound "build".
func (s *Store) Build(ctx context.Context, appID, id string) (*bera.Build, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+buildColumns+buildFrom+" WHERE b.app_id = ? AND b.id = ?"), appID, id)
	b, err := scanBuild(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("build")
	}
	if err != nil {
		return nil, fmt.Errorf("get build: %w", err)
	}
	return b, nil
}

// ListBuilds returns an app's builds, oldest first.
func (s *Store) ListBuilds(ctx context.Context, appID string) ([]*bera.Build, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+buildColumns+buildFrom+" WHERE b.app_id = ? ORDER BY b.created_at, b.id"), appID)
	if err != nil {
		return nil, fmt.Errorf("list builds: %w", err)
	}
	bs, err := collect(rows, scanBuild)
	if err != nil {
		return nil, fmt.Errorf("list builds: %w", err)
	}
	return bs, nil
}

func scanBuild(sc scanner) (*bera.Build, error) {
	var b bera.Build
	var buildpacks, created, updated string
	err := sc.Scan(&b.ID, &b.AppID, &b.Status, &b.SourceURL, &b.SourceVersion, &buildpacks, &b.SlugID,
		&b.ReleaseID, &b.UserID, &b.UserEmail, &b.Stack, &b.OutputStreamURL, &created, &updated)
	if err != nil {
		return nil, err
	}
	if err := fromJSONText(buildpacks, &b.Buildpacks); err != nil {
		return nil, err
	}
	return &b, parseTimes(&b.CreatedAt, created, &b.UpdatedAt, updated)
}
