package deploy

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/slug"
)

// SlugLookup finds a slug's record. *store.Store satisfies it.
type SlugLookup interface {
	Slug(ctx context.Context, id string) (*bera.Slug, error)
}

// SlugDirs extracts slugs once into ROOT/APPID/SHA/app, the directory dynos run from.
type SlugDirs struct {
	Root   string
	Lookup SlugLookup
	Slugs  slug.Store
	// Owner returns the uid that should own an app's extracted files, or -1 to leave them.
	Owner func(appID string) int

	mu sync.Mutex // serialises extraction
}

// Dir returns the extracted /app of a slug (by its record id), extracting it on first use.
func (d *SlugDirs) Dir(ctx context.Context, slugID string) (string, error) {
	sl, err := d.Lookup.Slug(ctx, slugID)
	if err != nil {
		return "", err
	}
	sha := strings.TrimPrefix(sl.Checksum, "SHA256:")
	if !slug.ValidID(sha) {
		return "", fmt.Errorf("slug %s has a bad checksum %q", slugID, sl.Checksum)
	}
	root := filepath.Join(d.Root, sl.AppID, sha)
	app := filepath.Join(root, "app")
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, err := os.Stat(app); err == nil {
		return app, nil
	}
	if err := d.extract(ctx, sl.AppID, sha, root); err != nil {
		return "", err
	}
	return app, nil
}

func (d *SlugDirs) extract(ctx context.Context, appID, sha, root string) error {
	rc, err := d.Slugs.Open(ctx, sha)
	if err != nil {
		return fmt.Errorf("open slug %s: %w", sha, err)
	}
	defer rc.Close()
	tmp := root + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Dir(root), 0o711); err != nil {
		return err
	}
	if err := slug.Extract(ctx, rc, tmp, slug.DefaultLimits); err != nil {
		return fmt.Errorf("extract slug %s: %w", sha, err)
	}
	if uid := d.owner(appID); uid >= 0 {
		if err := chownTree(tmp, uid); err != nil {
			return err
		}
	}
	os.Chmod(tmp, 0o755)
	return os.Rename(tmp, root)
}

func (d *SlugDirs) owner(appID string) int {
	if d.Owner == nil {
		return -1
	}
	return d.Owner(appID)
}

func chownTree(root string, uid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
}
