package cnb

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// A cache dir holds the cache = true layers of an app's last successful
// build:
//
//	<cache>/layers/cache.json              buildpacks, layer names, flags, SHAs
//	<cache>/layers/<escaped id>/<layer>/   content
//	<cache>/layers/<escaped id>/<layer>.toml
//
// SaveCache builds a new layers/ beside the old one and swaps it in, so a
// failed save leaves the previous cache (or none), never half of one.
const (
	cacheLayers = "layers"
	cacheIndex  = "cache.json"
)

// cacheMetadata is cache.json.
type cacheMetadata struct {
	Buildpacks []BuildpackLayersRef `json:"buildpacks"`
}

func (c *cacheMetadata) buildpack(id string) *BuildpackLayersRef {
	return (&LifecycleMetadata{Buildpacks: c.Buildpacks}).buildpack(id)
}

func readCache(cacheDir string) (*cacheMetadata, error) {
	data, err := os.ReadFile(filepath.Join(cacheDir, cacheLayers, cacheIndex))
	if errors.Is(err, os.ErrNotExist) {
		return &cacheMetadata{}, nil
	}
	if err != nil {
		return nil, err
	}
	var c cacheMetadata
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", cacheIndex, err)
	}
	for _, bp := range c.Buildpacks {
		if validID(bp.Key) != nil || bp.Key == "" {
			return nil, fmt.Errorf("%s: invalid buildpack %q", cacheIndex, bp.Key)
		}
		for name := range bp.Layers {
			if !validLayerName(name) {
				return nil, fmt.Errorf("%s: invalid layer name %q", cacheIndex, name)
			}
		}
	}
	return &c, nil
}

// RestoreConfig is the input of the restore phase.
type RestoreConfig struct {
	LayersDir string             // <layers>, before the build phase
	CacheDir  string             // the app's cache; "" means none
	Group     []GroupEntry       // from detect
	Previous  *LifecycleMetadata // the previous image's label; nil means none
	Output    io.Writer          // one line per restored layer
}

// Restore is the restore phase. For each buildpack of the group (matched
// by id; a version change restores too, the buildpack decides from its
// metadata) it puts into <layers>/<escaped id>/:
//   - every cache = true layer of the cache, content and metadata; one
//     that is also launch = true only if the previous image has it with
//     the same SHA;
//   - the metadata alone of each launch = true, cache = false,
//     build = false layer of the previous image;
//   - the store.toml of the previous image.
//
// Restored <layer>.toml files carry the metadata with every type false:
// the buildpack keeps a layer by setting its types again.
func Restore(cfg RestoreConfig) error {
	if cfg.Output == nil {
		cfg.Output = io.Discard
	}
	cache := &cacheMetadata{}
	if cfg.CacheDir != "" {
		unlock, err := lockCache(cfg.CacheDir)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer unlock()
		if cache, err = readCache(cfg.CacheDir); err != nil {
			// A broken cache costs a slower build, not a failed one.
			fmt.Fprintf(cfg.Output, "Ignoring the cache: %v\n", err)
			cache = &cacheMetadata{}
		}
	}
	for _, e := range cfg.Group {
		if err := restoreBuildpack(cfg, e, cache.buildpack(e.ID), cfg.Previous.buildpack(e.ID)); err != nil {
			return fmt.Errorf("restore: buildpack %s: %w", e, err)
		}
	}
	return nil
}

func restoreBuildpack(cfg RestoreConfig, e GroupEntry, cached, prev *BuildpackLayersRef) error {
	bpDir := filepath.Join(cfg.LayersDir, escapeID(e.ID))
	if err := os.MkdirAll(bpDir, 0o755); err != nil {
		return err
	}
	done := map[string]bool{}
	if cached != nil {
		src := filepath.Join(cfg.CacheDir, cacheLayers, escapeID(e.ID))
		for _, name := range sortedLayerNames(cached.Layers) {
			rec := cached.Layers[name]
			if !rec.Cache {
				continue
			}
			if rec.Launch && (prev == nil || prev.Layers[name].SHA != rec.SHA) {
				fmt.Fprintf(cfg.Output, "Not restoring %s:%s from the cache: the previous image has another version\n", e.ID, name)
				continue
			}
			if err := restoreCached(filepath.Join(src, name), filepath.Join(bpDir, name)); err != nil {
				return fmt.Errorf("layer %s: %w", name, err)
			}
			fmt.Fprintf(cfg.Output, "Restoring data for %s:%s from the cache\n", e.ID, name)
			done[name] = true
		}
	}
	if prev == nil {
		return nil
	}
	for _, name := range sortedLayerNames(prev.Layers) {
		rec := prev.Layers[name]
		if done[name] || !rec.Launch || rec.Cache || rec.Build {
			continue
		}
		if err := writeLayerTOML(filepath.Join(bpDir, name+".toml"), rec.Data); err != nil {
			return fmt.Errorf("layer %s: %w", name, err)
		}
		fmt.Fprintf(cfg.Output, "Restoring metadata for %s:%s from the app image\n", e.ID, name)
	}
	if prev.Store != nil {
		if err := writeTOML(filepath.Join(bpDir, "store.toml"), prev.Store); err != nil {
			return err
		}
	}
	return nil
}

// restoreCached copies one cached layer to dst and writes dst.toml with
// the cached metadata and no types.
func restoreCached(src, dst string) error {
	data, err := os.ReadFile(src + ".toml")
	if err != nil {
		return err
	}
	m, err := ParseLayerMetadata(data)
	if err != nil {
		return err
	}
	if err := copyTree(src, dst); err != nil {
		return err
	}
	return writeLayerTOML(dst+".toml", m.Metadata)
}

func sortedLayerNames(m map[string]LayerRecord) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// SaveCache replaces the cache at cacheDir with the cache = true layers
// the build left in layersDir (content, <layer>.toml, SHA). Layers not
// marked cache = true this build, and buildpacks no longer in the group,
// are evicted. image is the exported image's lifecycle metadata: a launch
// layer's SHA in the cache is its diff ID there, so the next restore can
// tell whether the image still holds the same layer. The layer
// directories are moved out of layersDir, which is spent afterwards.
func SaveCache(cacheDir, layersDir string, md *Metadata, image *LifecycleMetadata) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	unlock, err := lockCache(cacheDir)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer unlock()
	if err := removeStale(cacheDir); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	staging, err := os.MkdirTemp(cacheDir, "staging-")
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	defer os.RemoveAll(staging)
	var index cacheMetadata
	for _, bl := range md.Layers {
		ref, err := stageBuildpack(staging, layersDir, bl, image.buildpack(bl.Buildpack.ID))
		if err != nil {
			return fmt.Errorf("cache: buildpack %s: %w", bl.Buildpack, err)
		}
		if len(ref.Layers) > 0 {
			index.Buildpacks = append(index.Buildpacks, ref)
		}
	}
	data, err := json.Marshal(index)
	if err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.WriteFile(filepath.Join(staging, cacheIndex), data, 0o644); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return swapCache(cacheDir, staging)
}

// stageBuildpack moves one buildpack's cache layers into staging.
func stageBuildpack(staging, layersDir string, bl BuildpackLayers, exported *BuildpackLayersRef) (BuildpackLayersRef, error) {
	id := bl.Buildpack.ID
	ref := BuildpackLayersRef{Key: id, Version: bl.Buildpack.Version, Layers: map[string]LayerRecord{}}
	dst := filepath.Join(staging, escapeID(id))
	for _, l := range bl.Layers {
		if !l.Types.Cache || l.Reuse {
			continue
		}
		sha, err := cacheSHA(id, l, exported)
		if err != nil {
			return ref, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return ref, err
		}
		if err := moveTree(l.Dir, filepath.Join(dst, l.Name)); err != nil {
			return ref, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		if err := copyFile(l.Dir+".toml", filepath.Join(dst, l.Name+".toml"), 0o644); err != nil {
			return ref, fmt.Errorf("layer %s: %w", l.Name, err)
		}
		ref.Layers[l.Name] = LayerRecord{SHA: sha, Launch: l.Types.Launch, Build: l.Types.Build, Cache: true}
	}
	return ref, nil
}

// cacheSHA is a layer's identity: its diff ID in the exported image for
// a launch layer, the digest of the same tar stream for the others.
func cacheSHA(id string, l Layer, exported *BuildpackLayersRef) (string, error) {
	if l.Types.Launch {
		if exported == nil || exported.Layers[l.Name].SHA == "" {
			return "", errors.New("launch layer missing from the exported image")
		}
		return exported.Layers[l.Name].SHA, nil
	}
	h := sha256.New()
	if err := writeTarLayer(h, l.Dir, path.Join(ImageLayersDir, escapeID(id), l.Name), owner{}); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// swapCache makes staging the cache's layers/ dir.
func swapCache(cacheDir, staging string) error {
	cur := filepath.Join(cacheDir, cacheLayers)
	old := filepath.Join(cacheDir, "old-"+filepath.Base(staging))
	if err := os.Rename(cur, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cache: %w", err)
	}
	if err := os.Rename(staging, cur); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return os.RemoveAll(old)
}

// removeStale deletes what an interrupted save left behind.
func removeStale(cacheDir string) error {
	ents, err := os.ReadDir(cacheDir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "staging-") || strings.HasPrefix(e.Name(), "old-") {
			if err := os.RemoveAll(filepath.Join(cacheDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// lockCache takes an exclusive lock on the cache dir, so concurrent
// builds of one app do not restore a cache half swapped.
func lockCache(cacheDir string) (func(), error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(cacheDir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// moveTree renames src to dst, copying when they are on different file
// systems.
func moveTree(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil {
		return nil
	}
	var le *os.LinkError
	if !errors.As(err, &le) || !errors.Is(le.Err, syscall.EXDEV) {
		return err
	}
	if err := copyTree(src, dst); err != nil {
		return err
	}
	return os.RemoveAll(src)
}

// copyTree copies the directory tree src to dst: directories, regular
// files and symlinks, with their permission bits.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
			return os.Chmod(target, fi.Mode().Perm()|0o700)
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case fi.Mode().IsRegular():
			return copyFile(p, target, fi.Mode().Perm())
		}
		return nil // sockets, devices, fifos: not layer content
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
