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
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/slug"
)

// SlugLookup finds a slug's record. *store.Store satisfies it.
type SlugLookup interface {
	Slug(ctx context.Context, id string) (*bera.Slug, error)
}

// Images makes CNB images runnable. *image.Store satisfies it.
type Images interface {
	// Unpack returns the image's unpacked layer directories, bottom first, owned by uid.
	Unpack(ctx context.Context, digest string, uid int) ([]string, error)
}

// SlugDirs extracts slugs once into ROOT/APPID/SHA/app, the directory dynos run from, and
// has CNB images unpacked by Images.
type SlugDirs struct {
	Root   string
	Lookup SlugLookup
	Slugs  slug.Store
	// Images unpacks the images of CNB builds; nil refuses them.
	Images Images
	// Owner returns the uid that should own an app's extracted files, or -1 to leave them.
	Owner func(appID string) int

	mu sync.Mutex // serialises extraction
}

// Prepare fills in what spec runs for the slug slugID (by its record id): the extracted
// slug as SlugDir, or, for a CNB build, the image's layers with spec.Command turned into a
// launcher call. spec.Type and spec.Command must be set: a command that is the image's
// process of that type runs as that process, any other (a one-off's) through the launcher
// in the image's launch environment.
func (d *SlugDirs) Prepare(ctx context.Context, slugID string, spec *runtime.DynoSpec) error {
	sl, err := d.Lookup.Slug(ctx, slugID)
	if err != nil {
		return err
	}
	if sl.Image == "" {
		spec.SlugDir, err = d.dir(ctx, sl)
		return err
	}
	if d.Images == nil {
		return fmt.Errorf("slug %s is an OCI image and this server has no image store", slugID)
	}
	layers, err := d.Images.Unpack(ctx, sl.Image, d.owner(sl.AppID))
	if err != nil {
		return fmt.Errorf("unpack image %s: %w", sl.Image, err)
	}
	spec.ImageLayers = layers
	spec.Command = LauncherCommand(sl.ProcessTypes, spec.Type, spec.Command)
	return nil
}

// LauncherCommand is the /bin/sh -c command that runs command in a CNB image through the
// launcher (runtime.LauncherPath): as the image's process typ when command is that
// process's, else in the image's launch environment (`launcher -- CMD`), as `pack` runs a
// one-off. Process types are validated names, so they need no quoting.
//
// The launcher is not exec'd: the dyno's shell stays PID 1 and the process its child, as
// for a slug, so the SIGTERM of a stop reaches it (a PID 1 without a handler ignores it).
func LauncherCommand(processes map[string]string, typ, command string) string {
	if c, ok := processes[typ]; ok && c == command {
		return "CNB_PROCESS_TYPE=" + typ + " " + runtime.LauncherPath
	}
	return runtime.LauncherPath + " -- /bin/sh -c " + runtime.ShellQuote(command)
}

// Dir returns the extracted /app of a classic slug (by its record id), extracting it on
// first use.
func (d *SlugDirs) Dir(ctx context.Context, slugID string) (string, error) {
	sl, err := d.Lookup.Slug(ctx, slugID)
	if err != nil {
		return "", err
	}
	return d.dir(ctx, sl)
}

func (d *SlugDirs) dir(ctx context.Context, sl *bera.Slug) (string, error) {
	if sl.Image != "" {
		return "", fmt.Errorf("slug %s is an OCI image, not a tarball", sl.ID)
	}
	sha := strings.TrimPrefix(sl.Checksum, "SHA256:")
	if !slug.ValidID(sha) {
		return "", fmt.Errorf("slug %s has a bad checksum %q", sl.ID, sl.Checksum)
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
