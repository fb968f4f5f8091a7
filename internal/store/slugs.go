package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const slugColumns = `id, app_id, checksum, size, commit_sha, commit_description, process_types,
	buildpack_description, stack, image, buildpacks, created_at, updated_at`

// CreateSlug inserts sl (ID, timestamps filled). ENotFound "app".
func (s *Store) CreateSlug(ctx context.Context, sl *bera.Slug) error {
	now := s.now()
	if sl.ID == "" {
		sl.ID = newID()
	}
	if sl.ProcessTypes == nil {
		sl.ProcessTypes = map[string]string{}
	}
	sl.CreatedAt, sl.UpdatedAt = now, now
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, sl.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("INSERT INTO slugs ("+slugColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			sl.ID, sl.AppID, sl.Checksum, sl.Size, sl.Commit, sl.CommitDescription, jsonText(sl.ProcessTypes),
			sl.BuildpackDesc, sl.Stack, sl.Image, jsonText(sl.Buildpacks), fmtTime(now), fmtTime(now))
		return wrap("create slug", err)
	})
}

// Slug returns a slug by ID. ENotFound "slug".
func (s *Store) Slug(ctx context.Context, id string) (*bera.Slug, error) {
	var sl bera.Slug
	var types, bps, created, updated string
	err := s.r.QueryRowContext(ctx, s.q("SELECT "+slugColumns+" FROM slugs WHERE id = ?"), id).Scan(
		&sl.ID, &sl.AppID, &sl.Checksum, &sl.Size, &sl.Commit, &sl.CommitDescription, &types,
		&sl.BuildpackDesc, &sl.Stack, &sl.Image, &bps, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("slug")
	}
	if err != nil {
		return nil, fmt.Errorf("get slug: %w", err)
	}
	if err := fromJSONText(types, &sl.ProcessTypes); err != nil {
		return nil, err
	}
	if err := fromJSONText(bps, &sl.Buildpacks); err != nil {
		return nil, err
	}
	return &sl, parseTimes(&sl.CreatedAt, created, &sl.UpdatedAt, updated)
}

// AppSlug returns one of the app's slugs by its id or, for a CNB build, by its image's
// digest (the newest such slug). ENotFound "slug".
func (s *Store) AppSlug(ctx context.Context, appID, idOrDigest string) (*bera.Slug, error) {
	var id string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT id FROM slugs WHERE app_id = ? AND (id = ? OR (image <> '' AND image = ?))
		ORDER BY created_at DESC LIMIT 1`), appID, idOrDigest, idOrDigest).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("slug")
	}
	if err != nil {
		return nil, fmt.Errorf("get slug: %w", err)
	}
	return s.Slug(ctx, id)
}
