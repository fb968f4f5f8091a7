package cnb

import (
	"encoding/json"
	"fmt"
	"math"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// ReadLifecycleMetadata is the analyze phase: it reads the
// io.buildpacks.lifecycle.metadata label of the image digest
// ("sha256:...") in the OCI layout at layoutDir.
func ReadLifecycleMetadata(layoutDir, digest string) (*LifecycleMetadata, error) {
	_, md, err := openImage(layoutDir, digest)
	return md, err
}

// openImage finds the image digest in the layout and parses its label.
func openImage(layoutDir, digest string) (v1.Image, *LifecycleMetadata, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, nil, fmt.Errorf("image %q: %w", digest, err)
	}
	p, err := layout.FromPath(layoutDir)
	if err != nil {
		return nil, nil, fmt.Errorf("image %s: %w", digest, err)
	}
	img, err := p.Image(h)
	if err != nil {
		return nil, nil, fmt.Errorf("image %s: %w", digest, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, nil, fmt.Errorf("image %s: %w", digest, err)
	}
	label, ok := cf.Config.Labels[LifecycleMetadataLabel]
	if !ok {
		return nil, nil, fmt.Errorf("image %s: no %s label", digest, LifecycleMetadataLabel)
	}
	md, err := ParseLifecycleMetadata([]byte(label))
	if err != nil {
		return nil, nil, fmt.Errorf("image %s: %w", digest, err)
	}
	return img, md, nil
}

// ParseLifecycleMetadata parses an io.buildpacks.lifecycle.metadata label.
// Layer data numbers that are whole become int64, so the <layer>.toml
// restored from it says 3, not 3.0.
func ParseLifecycleMetadata(data []byte) (*LifecycleMetadata, error) {
	var md LifecycleMetadata
	if err := json.Unmarshal(data, &md); err != nil {
		return nil, fmt.Errorf("%s: %w", LifecycleMetadataLabel, err)
	}
	for i := range md.Buildpacks {
		bp := &md.Buildpacks[i]
		if err := validID(bp.Key); err != nil || bp.Key == "" {
			return nil, fmt.Errorf("%s: invalid buildpack %q", LifecycleMetadataLabel, bp.Key)
		}
		for name, rec := range bp.Layers {
			if !validLayerName(name) {
				return nil, fmt.Errorf("%s: buildpack %s: invalid layer name %q", LifecycleMetadataLabel, bp.Key, name)
			}
			rec.Data, _ = wholeNumbers(rec.Data).(map[string]any)
			bp.Layers[name] = rec
		}
		if bp.Store != nil {
			bp.Store.Metadata, _ = wholeNumbers(bp.Store.Metadata).(map[string]any)
		}
	}
	return &md, nil
}

// validLayerName reports whether name can name a layer directory.
func validLayerName(name string) bool {
	switch name {
	case "", ".", "..", "launch", "build", "store":
		return false
	}
	for _, r := range name {
		if r == '/' || r == '\\' || r == 0 {
			return false
		}
	}
	return true
}

// wholeNumbers turns JSON float64s without a fraction into int64s.
func wholeNumbers(v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	case map[string]any:
		for k, x := range v {
			v[k] = wholeNumbers(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = wholeNumbers(x)
		}
		return v
	}
	return v
}

// readStoreTOML reads a store.toml; a missing one is nil.
func readStoreTOML(path string) (*StoreTOML, error) {
	var st StoreTOML
	ok, err := readTOML(path, &st)
	if err != nil || !ok {
		return nil, err
	}
	return &st, nil
}

// writeLayerTOML writes <layer>.toml with the metadata and a [types]
// table of all false: restored metadata never carries the types, so a
// buildpack keeps a layer only by setting them again (Buildpack API,
// Layer Types).
func writeLayerTOML(path string, metadata map[string]any) error {
	return writeTOML(path, LayerMetadata{Metadata: metadata})
}
