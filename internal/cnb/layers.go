package cnb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LayerTypes is the [types] table of <layer>.toml.
type LayerTypes struct {
	Launch bool `toml:"launch"`
	Build  bool `toml:"build"`
	Cache  bool `toml:"cache"`
}

// LayerMetadata is a parsed <layer>.toml.
type LayerMetadata struct {
	Types    LayerTypes     `toml:"types"`
	Metadata map[string]any `toml:"metadata"`
}

// Layer is one layer directory a buildpack created.
type Layer struct {
	Name string
	Dir  string // <layers>/<buildpack>/<name>
	// Reuse is set for a <layer>.toml without a directory: with launch =
	// true, export keeps the previous image's layer (Buildpack API,
	// "Reusing Layers").
	Reuse bool
	LayerMetadata
}

// ParseLayerMetadata parses a <layer>.toml.
func ParseLayerMetadata(data []byte) (*LayerMetadata, error) {
	var m LayerMetadata
	if err := decodeTOML(data, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// reservedTOML are files in a buildpack's layers dir that are not layers.
var reservedTOML = map[string]bool{"launch.toml": true, "build.toml": true, "store.toml": true}

// readLayers lists the layers of one buildpack's layers dir, sorted by
// name. A directory without a <layer>.toml is not a layer; a <layer>.toml
// without a directory is one with Reuse set.
func readLayers(bpDir string) ([]Layer, error) {
	ents, err := os.ReadDir(bpDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Layer
	for _, ent := range ents {
		name, ok := strings.CutSuffix(ent.Name(), ".toml")
		if !ok || ent.IsDir() || reservedTOML[ent.Name()] {
			continue
		}
		l, err := readLayer(bpDir, name)
		if err != nil {
			return nil, err
		}
		if l != nil {
			out = append(out, *l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readLayer(bpDir, name string) (*Layer, error) {
	dir := filepath.Join(bpDir, name)
	reuse := false
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		reuse = true
	}
	data, err := os.ReadFile(dir + ".toml")
	if err != nil {
		return nil, err
	}
	m, err := ParseLayerMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", name, err)
	}
	return &Layer{Name: name, Dir: dir, Reuse: reuse, LayerMetadata: *m}, nil
}

// applyBuildLayer adds a build=true layer to the build env of later
// buildpacks: bin, lib, include and pkgconfig dirs, then env/ and env.build/.
func applyBuildLayer(env *Env, l Layer) error {
	if l.Reuse {
		return nil
	}
	env.prependPath("PATH", filepath.Join(l.Dir, "bin"))
	env.prependPath("LD_LIBRARY_PATH", filepath.Join(l.Dir, "lib"))
	env.prependPath("LIBRARY_PATH", filepath.Join(l.Dir, "lib"))
	env.prependPath("CPATH", filepath.Join(l.Dir, "include"))
	env.prependPath("PKG_CONFIG_PATH", filepath.Join(l.Dir, "pkgconfig"))
	for _, d := range []string{"env", "env.build"} {
		if err := env.ApplyDir(filepath.Join(l.Dir, d)); err != nil {
			return fmt.Errorf("layer %s: %w", l.Name, err)
		}
	}
	return nil
}

// applyLaunchLayer adds a launch=true layer to a process's env: bin and
// lib dirs, then env/, env.launch/ and env.launch/<process>/.
func applyLaunchLayer(env *Env, l Layer, process string) error {
	if l.Reuse {
		return nil
	}
	env.prependPath("PATH", filepath.Join(l.Dir, "bin"))
	env.prependPath("LD_LIBRARY_PATH", filepath.Join(l.Dir, "lib"))
	dirs := []string{"env", "env.launch"}
	if process != "" {
		dirs = append(dirs, filepath.Join("env.launch", process))
	}
	for _, d := range dirs {
		if err := env.ApplyDir(filepath.Join(l.Dir, d)); err != nil {
			return fmt.Errorf("layer %s: %w", l.Name, err)
		}
	}
	return nil
}
