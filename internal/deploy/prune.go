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
	// Images, when set, is the image store of CNB builds: images no release references are
	// pruned too, unless an image was exported within Grace.
	Images PrunableImages
}

// PrunableImages is an image store Pruner can prune. *image.Store satisfies it.
type PrunableImages interface {
	LayoutDir() string
	Prune(keep map[string]bool) (removed int, err error)
}

// Prune removes unreferenced slugs and returns their ids.
func (p *Pruner) Prune(ctx context.Context) ([]string, error) {
	keep, images, err := p.referenced(ctx)
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
	if err := p.pruneDirs(keep); err != nil {
		return removed, err
	}
	return removed, p.pruneImages(images)
}

// pruneImages drops the images no release references. An export within Grace (the
// layout's index changed) may not have its release yet, so then nothing is pruned.
func (p *Pruner) pruneImages(keep map[string]bool) error {
	if p.Images == nil {
		return nil
	}
	fi, err := os.Stat(filepath.Join(p.Images.LayoutDir(), "index.json"))
	if err != nil || time.Since(fi.ModTime()) < p.Grace {
		return nil
	}
	_, err = p.Images.Prune(keep)
	return err
}

// referenced returns the sha of every slug a release of an existing app points at, and the
// digest of every such image.
func (p *Pruner) referenced(ctx context.Context) (keep, images map[string]bool, err error) {
	apps, err := p.Store.ListApps(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	keep, images = map[string]bool{}, map[string]bool{}
	for _, app := range apps {
		rels, err := p.Store.ListReleases(ctx, app.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, rel := range rels {
			if rel.SlugID == "" {
				continue
			}
			sl, err := p.Store.Slug(ctx, rel.SlugID)
			if err != nil {
				return nil, nil, fmt.Errorf("slug of %s v%d: %w", app.Name, rel.Version, err)
			}
			keep[strings.TrimPrefix(sl.Checksum, "SHA256:")] = true
			if sl.Image != "" {
				images[sl.Image] = true
			}
		}
	}
	return keep, images, nil
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
