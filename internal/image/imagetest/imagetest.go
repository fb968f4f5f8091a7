// Package imagetest makes small Cloud Native Buildpacks images for tests, with
// cnb.Export, the way a build's export phase makes them.
package imagetest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/cnb"
)

// Image describes a test image: files of one launch layer x/y (paths relative to
// /layers/x/y) and of the app (relative to /workspace). Mode 0o755 is used for names
// under bin/, 0o644 for the rest.
type Image struct {
	Layer map[string]string
	App   map[string]string
	// UID owns the exported files; 0 means 1000.
	UID int
}

// Export exports img into the OCI layout at layoutDir and returns its digest.
func Export(tb testing.TB, layoutDir string, img Image) string {
	tb.Helper()
	layers, app := tb.TempDir(), tb.TempDir()
	layer := filepath.Join(layers, "x", "y")
	write(tb, layer, img.Layer)
	write(tb, app, img.App)
	write(tb, filepath.Join(layers, "config"), map[string]string{"metadata.toml": "[[processes]]\ntype = \"web\"\ncommand = [\"hello\"]\n"})
	uid := img.UID
	if uid == 0 {
		uid = 1000
	}
	md := &cnb.Metadata{
		Buildpacks:     []cnb.GroupEntry{{ID: "x", Version: "1.0"}},
		Processes:      []cnb.Process{{Type: "web", Command: []string{"hello"}}},
		DefaultProcess: "web",
		Layers: []cnb.BuildpackLayers{{Buildpack: cnb.GroupEntry{ID: "x", Version: "1.0"},
			Layers: []cnb.Layer{{Name: "y", Dir: layer, LayerMetadata: cnb.LayerMetadata{Types: cnb.LayerTypes{Launch: true}}}}}},
	}
	h, err := cnb.Export(cnb.ExportConfig{LayersDir: layers, AppDir: app, Metadata: md, LayoutDir: layoutDir,
		Env: []string{"PATH=/usr/bin:/bin"}, UID: uid, GID: uid})
	if err != nil {
		tb.Fatal(err)
	}
	return h.String()
}

func write(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		mode := os.FileMode(0o644)
		if filepath.Base(filepath.Dir(p)) == "bin" {
			mode = 0o755
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			tb.Fatal(err)
		}
	}
}
