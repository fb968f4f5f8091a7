// Package image stores the OCI images that Cloud Native Buildpacks builds export, and
// makes them runnable: an OCI image layout (which cnb.Export appends to), each layer
// unpacked once per uid for runc dynos to use as overlay lower directories, pruning,
// and pushing to a registry.
//
// The store's directory (DATA/images) holds:
//
//	layout/              the OCI image layout: oci-layout, index.json, blobs/sha256/...
//	unpacked/<uid>/<h>/  the layer with diff ID sha256:<h>, its files owned by uid
package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/kingvon-ke/bera"
)

// Store is an image store in a directory. Create it with Open. Its methods are safe for
// concurrent use; one process at a time should use a directory.
type Store struct {
	// Dir is the store's directory.
	Dir    string
	layout layout.Path

	// writeMu serializes writers of index.json: WithLayout and Prune.
	writeMu sync.Mutex
	// gcMu keeps Prune from removing blobs or unpacked layers that readers use.
	gcMu sync.RWMutex

	mu        sync.Mutex               // guards unpacking
	unpacking map[string]chan struct{} // unpacked dirs being made, closed when done
}

// Open opens the store in dir, creating it if needed, and removes what an unpack or prune
// killed half-way left behind.
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open image store: %w", err)
	}
	s := &Store{Dir: abs, layout: layout.Path(filepath.Join(abs, "layout")), unpacking: map[string]chan struct{}{}}
	if err := os.MkdirAll(s.unpackedDir(), 0o711); err != nil {
		return nil, fmt.Errorf("open image store: %w", err)
	}
	if _, err := layout.FromPath(s.LayoutDir()); err != nil {
		if _, err := layout.Write(s.LayoutDir(), empty.Index); err != nil {
			return nil, fmt.Errorf("open image store: %w", err)
		}
	}
	// WithLayout's stages reach the blobs through a link, which must not dangle.
	if err := os.MkdirAll(filepath.Join(s.LayoutDir(), "blobs", "sha256"), 0o755); err != nil {
		return nil, fmt.Errorf("open image store: %w", err)
	}
	if err := s.removeLeftovers(); err != nil {
		return nil, fmt.Errorf("open image store: %w", err)
	}
	return s, nil
}

// LayoutDir is the OCI image layout the store keeps. Read it freely: index.json is only
// ever replaced whole (rename). Write it only through WithLayout.
func (s *Store) LayoutDir() string { return string(s.layout) }

// WithLayout runs fn with a layout to append images to (cnb.Export, layout.Path.AppendImage),
// while no Prune and no other WithLayout runs. The layout fn gets shares the store's blobs
// but has its own copy of index.json, which those libraries rewrite in place; when fn
// succeeds the copy replaces the store's index.json in one rename, so a reader (Unpack,
// Has, a build reading its previous image) never sees half an index. When fn fails the
// index is left as it was; blobs it wrote go with the next Prune.
func (s *Store) WithLayout(fn func(layoutDir string) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	stage, err := os.MkdirTemp(s.Dir, stagePrefix)
	if err != nil {
		return fmt.Errorf("image layout: %w", err)
	}
	defer os.RemoveAll(stage) // removes the blobs link, not what it points to
	if err := os.Symlink(filepath.Join("..", filepath.Base(s.LayoutDir()), "blobs"), filepath.Join(stage, "blobs")); err != nil {
		return fmt.Errorf("image layout: %w", err)
	}
	for _, name := range []string{"oci-layout", "index.json"} {
		b, err := os.ReadFile(filepath.Join(s.LayoutDir(), name))
		if err == nil {
			err = os.WriteFile(filepath.Join(stage, name), b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("image layout: %w", err)
		}
	}
	if err := fn(stage); err != nil {
		return err
	}
	ii, err := layout.Path(stage).ImageIndex()
	if err != nil {
		return fmt.Errorf("image layout: %w", err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return fmt.Errorf("image layout: read the new index: %w", err)
	}
	if err := s.writeIndex(im); err != nil {
		return fmt.Errorf("image layout: %w", err)
	}
	return nil
}

// stagePrefix begins the names of WithLayout's layouts in Dir.
const stagePrefix = ".layout-"

func (s *Store) unpackedDir() string { return filepath.Join(s.Dir, "unpacked") }

// parseDigest parses an image digest, "sha256:" and 64 hex digits.
func parseDigest(digest string) (v1.Hash, error) {
	h, err := v1.NewHash(digest)
	if err != nil || h.Algorithm != "sha256" || len(h.Hex) != 64 || strings.ToLower(h.Hex) != h.Hex {
		return v1.Hash{}, bera.Errorf(bera.EInvalid, "Image digest %q must be sha256: and 64 lower-case hex digits.", digest)
	}
	return h, nil
}

// notFound is the error for an image the store does not hold.
func notFound(digest string) error {
	return &bera.Error{Code: bera.ENotFound, Resource: "image", Message: fmt.Sprintf("Couldn't find image %s.", digest)}
}

// manifests reads index.json.
func (s *Store) manifests() (*v1.IndexManifest, error) {
	ii, err := s.layout.ImageIndex()
	if err != nil {
		return nil, err
	}
	return ii.IndexManifest()
}

// Has reports whether the layout's index lists the image and its manifest is stored.
func (s *Store) Has(digest string) bool {
	_, err := s.image(digest)
	return err == nil
}

// image returns the image with that manifest digest, if the index lists it.
func (s *Store) image(digest string) (v1.Image, error) {
	h, err := parseDigest(digest)
	if err != nil {
		return nil, err
	}
	im, err := s.manifests()
	if err != nil {
		return nil, fmt.Errorf("read image index: %w", err)
	}
	for _, d := range im.Manifests {
		if d.Digest == h && d.MediaType.IsImage() {
			img, err := s.layout.Image(h)
			if err != nil {
				return nil, fmt.Errorf("image %s: %w", digest, err)
			}
			return img, nil
		}
	}
	return nil, notFound(digest)
}

// Config returns the image's config file: its labels (io.buildpacks.lifecycle.metadata,
// io.buildpacks.build.metadata), env, working directory and user.
func (s *Store) Config(digest string) (*v1.ConfigFile, error) {
	img, err := s.image(digest)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s config: %w", digest, err)
	}
	return cf, nil
}

// writeIndex replaces index.json atomically (temp file and rename).
func (s *Store) writeIndex(im *v1.IndexManifest) error {
	b, err := json.MarshalIndent(im, "", "   ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.LayoutDir(), ".index.json-")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(s.LayoutDir(), "index.json"))
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// removeLeftovers removes the temp directories of unpacks, prunes and WithLayout calls
// that did not finish.
func (s *Store) removeLeftovers() error {
	uids, err := os.ReadDir(s.unpackedDir())
	if err != nil {
		return err
	}
	var errs []error
	stages, _ := filepath.Glob(filepath.Join(s.Dir, stagePrefix+"*"))
	for _, d := range stages {
		errs = append(errs, os.RemoveAll(d))
	}
	for _, u := range uids {
		dir := filepath.Join(s.unpackedDir(), u.Name())
		entries, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
			}
		}
	}
	return errors.Join(errs...)
}

// Push copies the image to a registry as ref (such as registry.example.com/app:v3),
// authenticating with the default keychain (~/.docker/config.json). Insecure allows
// plain HTTP and unverified TLS, for registries on a private network.
func (s *Store) Push(ctx context.Context, digest, ref string, insecure bool) error {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	img, err := s.image(digest)
	if err != nil {
		return err
	}
	return push(ctx, img, ref, insecure)
}
