package image

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Prune removes the images whose digests are not in keep: their entries in index.json
// (rewritten atomically), the blobs no kept image references, and the unpacked layers
// (for every uid) that no kept image has. It returns how many images it removed. Keep
// must hold every image a release may still run: a running dyno's overlay uses its
// unpacked layers.
func (s *Store) Prune(keep map[string]bool) (removed int, err error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	im, err := s.manifests()
	if err != nil {
		return 0, fmt.Errorf("prune images: %w", err)
	}
	kept := *im
	kept.Manifests = nil
	gone := map[v1.Hash]bool{}
	for _, d := range im.Manifests {
		if keep[d.Digest.String()] {
			kept.Manifests = append(kept.Manifests, d)
		} else {
			gone[d.Digest] = true
		}
	}
	if len(gone) > 0 {
		if err := s.writeIndex(&kept); err != nil {
			return 0, fmt.Errorf("prune images: write index: %w", err)
		}
	}
	blobs, diffIDs, err := s.references(kept.Manifests)
	if err != nil {
		return len(gone), fmt.Errorf("prune images: %w", err)
	}
	return len(gone), errors.Join(s.removeBlobs(blobs), s.removeUnpacked(diffIDs))
}

// references returns the blobs and layer diff IDs the descriptors reach.
func (s *Store) references(descs []v1.Descriptor) (blobs, diffIDs map[string]bool, err error) {
	blobs, diffIDs = map[string]bool{}, map[string]bool{}
	for _, d := range descs {
		if err := s.reference(d, blobs, diffIDs); err != nil {
			return nil, nil, err
		}
	}
	return blobs, diffIDs, nil
}

func (s *Store) reference(d v1.Descriptor, blobs, diffIDs map[string]bool) error {
	blobs[d.Digest.Hex] = true
	switch {
	case d.MediaType.IsImage():
		img, err := s.layout.Image(d.Digest)
		if err != nil {
			return fmt.Errorf("image %s: %w", d.Digest, err)
		}
		m, err := img.Manifest()
		if err != nil {
			return fmt.Errorf("image %s: %w", d.Digest, err)
		}
		blobs[m.Config.Digest.Hex] = true
		for _, l := range m.Layers {
			blobs[l.Digest.Hex] = true
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return fmt.Errorf("image %s: %w", d.Digest, err)
		}
		for _, id := range cf.RootFS.DiffIDs {
			diffIDs[id.Hex] = true
		}
	case d.MediaType.IsIndex():
		ii, err := s.layout.ImageIndex()
		if err == nil {
			ii, err = ii.ImageIndex(d.Digest)
		}
		if err != nil {
			return fmt.Errorf("index %s: %w", d.Digest, err)
		}
		im, err := ii.IndexManifest()
		if err != nil {
			return fmt.Errorf("index %s: %w", d.Digest, err)
		}
		for _, c := range im.Manifests {
			if err := s.reference(c, blobs, diffIDs); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeBlobs removes the sha256 blobs not in keep, and temp files a writer left.
func (s *Store) removeBlobs(keep map[string]bool) error {
	dir := filepath.Join(s.LayoutDir(), "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !keep[e.Name()] {
			errs = append(errs, os.Remove(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// removeUnpacked removes the unpacked layers whose diff IDs are not in keep, for every
// uid: each is renamed to a dot name first, so a prune killed half-way never leaves a
// partial layer where Unpack would take it as complete (Open removes dot names).
func (s *Store) removeUnpacked(keep map[string]bool) error {
	uids, err := os.ReadDir(s.unpackedDir())
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range uids {
		parent := filepath.Join(s.unpackedDir(), u.Name())
		entries, err := os.ReadDir(parent)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if keep[e.Name()] {
				continue
			}
			dir := filepath.Join(parent, e.Name())
			if !strings.HasPrefix(e.Name(), ".") {
				trash := filepath.Join(parent, ".gone-"+e.Name())
				if err := os.Rename(dir, trash); err != nil {
					errs = append(errs, err)
					continue
				}
				dir = trash
			}
			errs = append(errs, os.RemoveAll(dir))
		}
		if left, err := os.ReadDir(parent); err == nil && len(left) == 0 {
			os.Remove(parent)
		}
	}
	return errors.Join(errs...)
}
