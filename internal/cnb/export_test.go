package cnb

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/kingvon-ke/bera/internal/beratest"
)

func exportFixture(t *testing.T) (dir string, digest v1.Hash, layers, app string) {
	t.Helper()
	layers, app, md := buildFixture(t)
	dir = t.TempDir()
	digest, err := Export(ExportConfig{LayersDir: layers, AppDir: app, Metadata: md, LayoutDir: dir, Env: []string{"PATH=/usr/bin:/bin"}, UID: 1000, GID: 1000, RefName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, digest, layers, app
}

func layerFiles(t *testing.T, l v1.Layer) []string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 1000 || !h.ModTime.Equal(normalizedTime) {
			t.Errorf("%s: uid %d mtime %v, want 1000 and the normalized time", h.Name, h.Uid, h.ModTime)
		}
		names = append(names, h.Name)
	}
}

func TestExportImage(t *testing.T) {
	dir, digest, _, _ := exportFixture(t)
	p, err := layout.FromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	img, err := p.Image(digest)
	if err != nil {
		t.Fatalf("image %s not in layout: %v", digest, err)
	}
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 {
		t.Fatalf("%d layers, want 3: the one launch layer, app, config", len(ls))
	}
	runtime := layerFiles(t, ls[0])
	if !slices.Contains(runtime, "layers/bera_runtime/runtime/bin/runtime-hello") || !slices.Contains(runtime, "layers/") {
		t.Errorf("runtime layer = %v", runtime)
	}
	for _, name := range runtime {
		if strings.Contains(name, "tools") || strings.Contains(name, "cache/") {
			t.Errorf("launch=false layer %s exported", name)
		}
	}
	if app := layerFiles(t, ls[1]); !slices.Contains(app, "workspace/build-env.txt") {
		t.Errorf("app layer = %v", app)
	}
	if cfg := layerFiles(t, ls[2]); !slices.Contains(cfg, "layers/config/metadata.toml") {
		t.Errorf("config layer = %v", cfg)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var lm LifecycleMetadata
	if err := json.Unmarshal([]byte(cf.Config.Labels[LifecycleMetadataLabel]), &lm); err != nil {
		t.Fatal(err)
	}
	diff0, _ := ls[0].DiffID()
	rec := lm.Buildpacks[0].Layers["runtime"]
	if rec.SHA != diff0.String() || !rec.Launch || !rec.Cache || rec.Data["version"] != "1.2" {
		t.Errorf("lifecycle metadata runtime layer = %+v, want diff ID %s with flags and data", rec, diff0)
	}
	if _, ok := lm.Buildpacks[0].Layers["tools"]; ok {
		t.Error("lifecycle metadata lists the build-only layer")
	}
	var bm BuildMetadata
	if err := json.Unmarshal([]byte(cf.Config.Labels[BuildMetadataLabel]), &bm); err != nil {
		t.Fatal(err)
	}
	if bm.DefaultProcess != "web" || len(bm.Processes) != 2 || bm.Buildpacks[1].ID != "bera/app" {
		t.Errorf("build metadata = %+v", bm)
	}
	if cf.Config.Labels["org.example.runtime"] != "1.2" || cf.Config.WorkingDir != ImageAppDir {
		t.Errorf("config = %+v", cf.Config)
	}
}

func TestExportIsReproducible(t *testing.T) {
	layers, app, md := buildFixture(t)
	var digests []v1.Hash
	for range 2 {
		d, err := Export(ExportConfig{LayersDir: layers, AppDir: app, Metadata: md, LayoutDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
	}
	if digests[0] != digests[1] {
		t.Errorf("digests differ: %v", digests)
	}
}

func TestExportValidForSkopeoAndUmoci(t *testing.T) {
	dir, digest, _, _ := exportFixture(t)
	t.Run("Skopeo", func(t *testing.T) {
		skopeo := beratest.Require(t, "skopeo", "apt-get install skopeo")
		out, err := exec.Command(skopeo, "inspect", "oci:"+dir+":app").CombinedOutput()
		if err != nil || !strings.Contains(string(out), LifecycleMetadataLabel) || !strings.Contains(string(out), digest.String()) {
			t.Fatalf("skopeo inspect: %v\n%s", err, out)
		}
	})
	t.Run("Umoci", func(t *testing.T) {
		umoci := beratest.Require(t, "umoci", "apt-get install umoci")
		out, err := exec.Command(umoci, "stat", "--image", dir+":app").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "bera cnb export: application") {
			t.Fatalf("umoci stat: %v\n%s", err, out)
		}
	})
}
