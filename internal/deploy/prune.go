package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/slug"
)

// PruneStore is what pruning reads. *store.Store satisfies it.
type PruneStore interface {
	ListApps(ctx context.Context, userID string) ([]*bera.App, error)
	ListReleases(ctx context.Context, appID string) ([]*bera.Release, error)
	Slug(ctx context.Context, id string) (*bera.Slug, error)
}

// Pruner deletes slugs that no release references any more, and their extracted copies.
type Pruner struct {
	Store PruneStore
	Slugs slug.Store
	// SlugDirs is the root of extracted slugs (DATA/slugdirs/APPID/SHA).
	SlugDirs string
	// Grace keeps slugs younger than this, so a deploy that stored its slug but has not yet
	// created its release is safe. The server uses an hour.
	Grace time.Duration
}

// Prune removes unreferenced slugs and returns their ids.
func (p *Pruner) Prune(ctx context.Context) ([]string, error) {
	keep, err := p.referenced(ctx)
	if err != nil {
		return nil, err
	}
	infos, err := p.Slugs.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, in := range infos {
		if time.Since(in.ModTime) < p.Grace {
			keep[in.ID] = true
		}
	}
	removed, err := slug.Prune(ctx, p.Slugs, keep)
	if err != nil {
		return removed, err
	}
	return removed, p.pruneDirs(keep)
}

// referenced returns the sha of every slug a release of an existing app points at.
func (p *Pruner) referenced(ctx context.Context) (map[string]bool, error) {
	apps, err := p.Store.ListApps(ctx, "")
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, app := range apps {
		rels, err := p.Store.ListReleases(ctx, app.ID)
		if err != nil {
			return nil, err
		}
		for _, rel := range rels {
			if rel.SlugID == "" {
				continue
			}
			sl, err := p.Store.Slug(ctx, rel.SlugID)
			if err != nil {
				return nil, fmt.Errorf("slug of %s v%d: %w", app.Name, rel.Version, err)
			}
			keep[strings.TrimPrefix(sl.Checksum, "SHA256:")] = true
		}
	}
	return keep, nil
}

// pruneDirs removes extracted slugs that are not kept, and directories of deleted apps.
func (p *Pruner) pruneDirs(keep map[string]bool) error {
	apps, err := os.ReadDir(p.SlugDirs)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	for _, a := range apps {
		dir := filepath.Join(p.SlugDirs, a.Name())
		shas, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, s := range shas {
			if !keep[strings.TrimSuffix(s.Name(), ".tmp")] {
				os.RemoveAll(filepath.Join(dir, s.Name()))
			}
		}
		os.Remove(dir) // only succeeds when empty
	}
	return nil
}
