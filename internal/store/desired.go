package store

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera"
)

// ListCurrent returns what should run for every app, or for appID alone when it is not
// empty: each app's current release (the newest succeeded one, its config opened) and
// formation, ordered by app id. It reads with two queries whatever the number of apps,
// so the reconciler can read all of it on every pass. An app without a succeeded release
// is left out (nothing runs for it), as is a missing appID.
//
// The two queries are not one snapshot: a release and a formation written between them are
// both seen on the next read, which their writer asks for.
func (s *Store) ListCurrent(ctx context.Context, appID string) ([]*bera.Current, error) {
	out, err := s.currentReleases(ctx, appID)
	if err != nil {
		return nil, fmt.Errorf("list current releases: %w", err)
	}
	byApp := make(map[string]*bera.Current, len(out))
	for _, c := range out {
		byApp[c.AppID] = c
	}
	query, args := "SELECT "+formationColumns+" FROM formations ORDER BY app_id, type", []any{}
	if appID != "" {
		query, args = "SELECT "+formationColumns+" FROM formations WHERE app_id = ? ORDER BY type", []any{appID}
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list formations: %w", err)
	}
	forms, err := collect(rows, scanFormation)
	if err != nil {
		return nil, fmt.Errorf("list formations: %w", err)
	}
	for _, f := range forms {
		if c := byApp[f.AppID]; c != nil {
			c.Formation = append(c.Formation, f)
		}
	}
	return out, nil
}

// currentReleases reads each app's boot timeout and current release, ordered by app id.
func (s *Store) currentReleases(ctx context.Context, appID string) ([]*bera.Current, error) {
	query := "SELECT a.boot_timeout, " + releaseColumns + "1" + ` FROM apps a
		JOIN releases r ON r.app_id = a.id AND r.version = (SELECT MAX(r2.version) FROM releases r2
			WHERE r2.app_id = a.id AND r2.status = 'succeeded')
		` + releaseJoins
	args := []any{}
	if appID != "" {
		query += " WHERE a.id = ?"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query+" ORDER BY a.id"), args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc scanner) (*bera.Current, error) {
		c := &bera.Current{Formation: []*bera.Formation{}}
		rel, err := s.scanRelease(prefixed{sc, []any{&c.BootTimeout}})
		if err != nil {
			return nil, err
		}
		c.AppID, c.Release = rel.AppID, rel
		return c, nil
	})
}

// prefixed is a scanner whose first columns go to pre, the rest to what Scan is given: it
// lets scanRelease read rows that start with other columns.
type prefixed struct {
	sc  scanner
	pre []any
}

func (p prefixed) Scan(dest ...any) error {
	return p.sc.Scan(append(append([]any{}, p.pre...), dest...)...)
}
