package cnb

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// savedCache saves one cache-only layer "deps" of buildpack t/x@1.0.
func savedCache(t *testing.T) string {
	t.Helper()
	layers, cache := t.TempDir(), t.TempDir()
	bpDir := filepath.Join(layers, "t_x")
	mustWrite(t, filepath.Join(bpDir, "deps", "lib", "a.so"), "so", 0o755)
	mustWrite(t, filepath.Join(bpDir, "deps.toml"), "[types]\ncache = true\n[metadata]\nsum = \"abc\"\nn = 3\n", 0o644)
	if err := os.Symlink("a.so", filepath.Join(bpDir, "deps", "lib", "link.so")); err != nil {
		t.Fatal(err)
	}
	ls, err := readLayers(bpDir)
	if err != nil {
		t.Fatal(err)
	}
	md := &Metadata{Layers: []BuildpackLayers{{Buildpack: GroupEntry{ID: "t/x", Version: "1.0"}, Layers: ls}}}
	if err := SaveCache(cache, layers, md, &LifecycleMetadata{}); err != nil {
		t.Fatal(err)
	}
	return cache
}

func TestRestoreMatchesBuildpackByID(t *testing.T) {
	cache := savedCache(t)
	restore := func(t *testing.T, e GroupEntry) string {
		t.Helper()
		layers := t.TempDir()
		if err := Restore(RestoreConfig{LayersDir: layers, CacheDir: cache, Group: []GroupEntry{e}}); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(layers, escapeID(e.ID))
	}
	t.Run("NewVersionRestores", func(t *testing.T) {
		dir := restore(t, GroupEntry{ID: "t/x", Version: "2.0"})
		data, err := os.ReadFile(filepath.Join(dir, "deps", "lib", "a.so"))
		if err != nil || string(data) != "so" {
			t.Fatalf("deps content: %q, %v", data, err)
		}
		fi, err := os.Stat(filepath.Join(dir, "deps", "lib", "a.so"))
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("mode = %v, %v", fi.Mode(), err)
		}
		if link, err := os.Readlink(filepath.Join(dir, "deps", "lib", "link.so")); err != nil || link != "a.so" {
			t.Errorf("symlink = %q, %v", link, err)
		}
		m, err := readLayer(dir, "deps")
		if err != nil || m.Types != (LayerTypes{}) || m.Metadata["sum"] != "abc" || m.Metadata["n"] != int64(3) {
			t.Errorf("deps.toml = %+v, %v: want the metadata without types", m, err)
		}
	})
	t.Run("OtherIDRestoresNothing", func(t *testing.T) {
		dir := restore(t, GroupEntry{ID: "t/y", Version: "1.0"})
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("t/y got %d entries from t/x's cache", len(ents))
		}
	})
	t.Run("BrokenCacheIgnored", func(t *testing.T) {
		mustWrite(t, filepath.Join(cache, cacheLayers, cacheIndex), "{", 0o644)
		var out bytes.Buffer
		if err := Restore(RestoreConfig{LayersDir: t.TempDir(), CacheDir: cache, Group: []GroupEntry{{ID: "t/x"}}, Output: &out}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Ignoring the cache") {
			t.Errorf("output = %q", out.String())
		}
	})
}

func TestParseLifecycleMetadataRejectsPaths(t *testing.T) {
	for _, in := range []string{
		`{"buildpacks":[{"key":"../x","layers":{}}]}`,
		`{"buildpacks":[{"key":"a","layers":{"../../etc":{"sha":"x"}}}]}`,
		`{"buildpacks":[{"key":"a","layers":{"launch":{"sha":"x"}}}]}`,
		`[`,
	} {
		if _, err := ParseLifecycleMetadata([]byte(in)); err == nil {
			t.Errorf("accepted %s", in)
		}
	}
}
