package cnb

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Image paths of the exported app image.
const (
	ImageLayersDir = "/layers"
	ImageAppDir    = "/workspace"
)

// Label names the Platform API defines.
const (
	LifecycleMetadataLabel = "io.buildpacks.lifecycle.metadata"
	BuildMetadataLabel     = "io.buildpacks.build.metadata"
)

// ExportConfig is the input of the export phase.
type ExportConfig struct {
	LayersDir string    // <layers> after the build phase
	AppDir    string    // the built application
	Metadata  *Metadata // from Build
	LayoutDir string    // OCI image layout to add the image to (created if absent)
	Env       []string  // image config env (the run image's)
	UID, GID  int       // owner of the exported files (the CNB user)
	// RefName, when set, tags the image in the layout index
	// (org.opencontainers.image.ref.name), as `oci:<dir>:<ref>` expects.
	RefName string
	// PreviousImage is the manifest digest ("sha256:...") of the app's
	// previous image in LayoutDir, "" for none. A launch layer left as a
	// <layer>.toml without a directory reuses that image's layer.
	PreviousImage string
}

// Export writes the app image into an OCI image layout: one layer per
// launch layer, then the app layer and the config layer, with the
// lifecycle and build metadata labels. It returns the manifest digest.
func Export(cfg ExportConfig) (v1.Hash, error) {
	tmp, err := os.MkdirTemp("", "cnb-export-")
	if err != nil {
		return v1.Hash{}, err
	}
	defer os.RemoveAll(tmp)
	e := &exporter{cfg: cfg, tmp: tmp, own: owner{cfg.UID, cfg.GID}}
	if cfg.PreviousImage != "" {
		if e.prev, e.prevMeta, err = openImage(cfg.LayoutDir, cfg.PreviousImage); err != nil {
			return v1.Hash{}, fmt.Errorf("export: previous image: %w", err)
		}
	}
	img, err := e.image()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("export: %w", err)
	}
	if err := appendToLayout(cfg.LayoutDir, img, cfg.RefName); err != nil {
		return v1.Hash{}, fmt.Errorf("export: %w", err)
	}
	return img.Digest()
}

type exporter struct {
	cfg      ExportConfig
	tmp      string
	own      owner
	n        int
	adds     []mutate.Addendum
	prev     v1.Image           // previous image, nil for none
	prevMeta *LifecycleMetadata // its lifecycle metadata
}

// LifecycleMetadata is the io.buildpacks.lifecycle.metadata label.
type LifecycleMetadata struct {
	App        []LayerRef           `json:"app"`
	Config     LayerRef             `json:"config"`
	Buildpacks []BuildpackLayersRef `json:"buildpacks"`
}

// LayerRef names an image layer by its diff ID.
type LayerRef struct {
	SHA string `json:"sha"`
}

// BuildpackLayersRef lists one buildpack's layers in the image.
type BuildpackLayersRef struct {
	Key     string                 `json:"key"`
	Version string                 `json:"version"`
	Layers  map[string]LayerRecord `json:"layers"`
	Store   *StoreTOML             `json:"store,omitempty"`
}

// StoreTOML is a buildpack's <layers>/<buildpack>/store.toml, kept in the
// image and restored before the next build.
type StoreTOML struct {
	Metadata map[string]any `toml:"metadata" json:"metadata"`
}

// buildpack returns the layers of the buildpack id, nil if absent.
func (m *LifecycleMetadata) buildpack(id string) *BuildpackLayersRef {
	if m == nil {
		return nil
	}
	for i := range m.Buildpacks {
		if m.Buildpacks[i].Key == id {
			return &m.Buildpacks[i]
		}
	}
	return nil
}

// LayerRecord is one launch layer: diff ID, flags and layer metadata.
type LayerRecord struct {
	SHA    string         `json:"sha"`
	Data   map[string]any `json:"data,omitempty"`
	Launch bool           `json:"launch"`
	Build  bool           `json:"build"`
	Cache  bool           `json:"cache"`
}

// BuildMetadata is the io.buildpacks.build.metadata label.
type BuildMetadata struct {
	Buildpacks     []GroupEntry `json:"buildpacks"`
	Processes      []Process    `json:"processes"`
	DefaultProcess string       `json:"buildpack-default-process-type,omitempty"`
}

func (e *exporter) image() (v1.Image, error) {
	md := e.cfg.Metadata
	lm := LifecycleMetadata{}
	for _, bl := range md.Layers {
		ref, err := e.buildpackLayers(bl)
		if err != nil {
			return nil, err
		}
		lm.Buildpacks = append(lm.Buildpacks, ref)
	}
	app, err := e.layer(e.cfg.AppDir, ImageAppDir, "application")
	if err != nil {
		return nil, err
	}
	lm.App = []LayerRef{{SHA: app.String()}}
	cfgLayer, err := e.layer(filepath.Join(e.cfg.LayersDir, "config"), path.Join(ImageLayersDir, "config"), "config")
	if err != nil {
		return nil, err
	}
	lm.Config = LayerRef{SHA: cfgLayer.String()}
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := mutate.Append(base, e.adds...)
	if err != nil {
		return nil, err
	}
	return e.configure(img, lm)
}

// buildpackLayers adds the launch layers of one buildpack.
func (e *exporter) buildpackLayers(bl BuildpackLayers) (BuildpackLayersRef, error) {
	ref := BuildpackLayersRef{Key: bl.Buildpack.ID, Version: bl.Buildpack.Version, Layers: map[string]LayerRecord{}}
	store, err := readStoreTOML(filepath.Join(e.cfg.LayersDir, escapeID(bl.Buildpack.ID), "store.toml"))
	if err != nil {
		return ref, fmt.Errorf("buildpack %s: %w", bl.Buildpack, err)
	}
	ref.Store = store
	for _, l := range bl.Layers {
		if !l.Types.Launch {
			continue
		}
		var diffID v1.Hash
		if l.Reuse {
			diffID, err = e.reuse(bl.Buildpack.ID, l.Name)
		} else {
			dest := path.Join(ImageLayersDir, escapeID(bl.Buildpack.ID), l.Name)
			diffID, err = e.layer(l.Dir, dest, bl.Buildpack.ID+":"+l.Name)
		}
		if err != nil {
			return ref, fmt.Errorf("buildpack %s: %w", bl.Buildpack, err)
		}
		ref.Layers[l.Name] = LayerRecord{
			SHA: diffID.String(), Data: l.Metadata,
			Launch: l.Types.Launch, Build: l.Types.Build, Cache: l.Types.Cache,
		}
	}
	return ref, nil
}

// reuse queues the previous image's layer name of buildpack id: the
// buildpack kept its <layer>.toml with launch = true and no directory.
func (e *exporter) reuse(id, name string) (v1.Hash, error) {
	rec, ok := LayerRecord{}, false
	if bp := e.prevMeta.buildpack(id); bp != nil {
		rec, ok = bp.Layers[name]
	}
	if !ok || e.prev == nil {
		return v1.Hash{}, fmt.Errorf("layer %s: launch = true without a directory, and the previous image has no such layer to reuse", name)
	}
	h, err := v1.NewHash(rec.SHA)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("layer %s: previous image: %w", name, err)
	}
	l, err := e.prev.LayerByDiffID(h)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("layer %s: previous image: %w", name, err)
	}
	e.adds = append(e.adds, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "bera cnb export: " + id + ":" + name + " (reused)", Created: v1.Time{Time: normalizedTime}}})
	return h, nil
}

// layer tars src as dest into a temp file and queues it for the image.
func (e *exporter) layer(src, dest, created string) (v1.Hash, error) {
	e.n++
	file := filepath.Join(e.tmp, fmt.Sprintf("%d.tar", e.n))
	f, err := os.Create(file)
	if err != nil {
		return v1.Hash{}, err
	}
	werr := writeTarLayer(f, src, dest, e.own)
	if err := errors.Join(werr, f.Close()); err != nil {
		return v1.Hash{}, err
	}
	l, err := tarball.LayerFromFile(file, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return v1.Hash{}, err
	}
	e.adds = append(e.adds, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "bera cnb export: " + created, Created: v1.Time{Time: normalizedTime}}})
	return l.DiffID()
}

// configure sets the image config: env, working dir, labels.
func (e *exporter) configure(img v1.Image, lm LifecycleMetadata) (v1.Image, error) {
	md := e.cfg.Metadata
	lmJSON, err := json.Marshal(lm)
	if err != nil {
		return nil, err
	}
	bmJSON, err := json.Marshal(BuildMetadata{Buildpacks: md.Buildpacks, Processes: md.Processes, DefaultProcess: md.DefaultProcess})
	if err != nil {
		return nil, err
	}
	labels := map[string]string{LifecycleMetadataLabel: string(lmJSON), BuildMetadataLabel: string(bmJSON)}
	for _, l := range md.Labels {
		labels[l.Key] = l.Value
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: normalizedTime}
	cf.Config.Labels = labels
	cf.Config.WorkingDir = ImageAppDir
	cf.Config.Env = append(append([]string{}, e.cfg.Env...), "CNB_LAYERS_DIR="+ImageLayersDir, "CNB_APP_DIR="+ImageAppDir)
	cf.Config.User = fmt.Sprintf("%d:%d", e.cfg.UID, e.cfg.GID)
	return mutate.ConfigFile(img, cf)
}

// appendToLayout adds img to the OCI layout at dir, creating it if needed.
func appendToLayout(dir string, img v1.Image, ref string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	var opts []layout.Option
	if ref != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
	}
	return p.AppendImage(img, opts...)
}
