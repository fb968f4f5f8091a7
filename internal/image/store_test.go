package image_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/image"
	"github.com/kingvon-ke/bera/internal/image/imagetest"
)

const testUID = 100777

func mustOpen(t testing.TB) *image.Store {
	t.Helper()
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// requireRoot skips (fails under CI=true) unless the test can give files to another uid.
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		beratest.Missing(t, "unpacking for another uid needs root: run the tests as root")
	}
}

var helloImage = imagetest.Image{
	Layer: map[string]string{"bin/hello": "#!/bin/sh\necho hello\n"},
	App:   map[string]string{"app.txt": "app file\n", "sub/deep.txt": "deep\n"},
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestUnpack(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	digest := imagetest.Export(t, s.LayoutDir(), helloImage)
	if !s.Has(digest) {
		t.Fatalf("store has no %s", digest)
	}
	dirs, err := s.Unpack(t.Context(), digest, testUID)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 3 {
		t.Fatalf("%d layer dirs, want 3 (launch layer, app, config): %v", len(dirs), dirs)
	}
	if got := readFile(t, filepath.Join(dirs[0], "layers/x/y/bin/hello")); got != helloImage.Layer["bin/hello"] {
		t.Errorf("hello = %q", got)
	}
	if got := readFile(t, filepath.Join(dirs[1], "workspace/sub/deep.txt")); got != "deep\n" {
		t.Errorf("deep.txt = %q", got)
	}
	if _, err := os.Stat(filepath.Join(dirs[2], "layers/config/metadata.toml")); err != nil {
		t.Error(err)
	}
	for _, p := range []string{dirs[0], filepath.Join(dirs[0], "layers/x/y/bin/hello"), filepath.Join(dirs[1], "workspace")} {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != testUID || st.Gid != testUID {
			t.Errorf("%s owned by %d:%d, want %d", p, st.Uid, st.Gid, testUID)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dirs[0], "layers/x/y/bin/hello")); fi.Mode().Perm() != 0o755 {
		t.Errorf("hello mode %v", fi.Mode())
	}
	for i, d := range dirs {
		if want := filepath.Join(s.Dir, "unpacked", "100777"); filepath.Dir(d) != want {
			t.Errorf("layer %d in %s, want under %s", i, d, want)
		}
	}

	t.Run("Again", func(t *testing.T) {
		marker := filepath.Join(dirs[1], "marker")
		os.WriteFile(marker, nil, 0o644)
		again, err := s.Unpack(t.Context(), digest, testUID)
		if err != nil || !slices.Equal(again, dirs) {
			t.Fatalf("second Unpack = %v, %v; want %v", again, err, dirs)
		}
		if _, err := os.Stat(marker); err != nil {
			t.Error("second Unpack unpacked the layer again")
		}
	})
	t.Run("OtherUID", func(t *testing.T) {
		other, err := s.Unpack(t.Context(), digest, testUID+1)
		if err != nil {
			t.Fatal(err)
		}
		if other[0] == dirs[0] || filepath.Base(other[0]) != filepath.Base(dirs[0]) {
			t.Errorf("uid %d got %v, want the same diff IDs in its own dirs", testUID+1, other)
		}
	})
	t.Run("SharedLayer", func(t *testing.T) {
		// Same launch layer, another app: the layer is reused.
		img := helloImage
		img.App = map[string]string{"other.txt": "other\n"}
		d2 := imagetest.Export(t, s.LayoutDir(), img)
		dirs2, err := s.Unpack(t.Context(), d2, testUID)
		if err != nil {
			t.Fatal(err)
		}
		if dirs2[0] != dirs[0] || dirs2[1] == dirs[1] {
			t.Errorf("dirs %v, want the first shared with %v and the app's own", dirs2, dirs)
		}
	})
}

func TestUnpackConcurrent(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	digest := imagetest.Export(t, s.LayoutDir(), helloImage)
	var wg sync.WaitGroup
	results := make([][]string, 8)
	errs := make([]error, 8)
	for i := range results {
		wg.Go(func() { results[i], errs[i] = s.Unpack(context.Background(), digest, testUID) })
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || !slices.Equal(results[i], results[0]) {
			t.Errorf("Unpack %d = %v, %v", i, results[i], errs[i])
		}
	}
	entries, _ := os.ReadDir(filepath.Join(s.Dir, "unpacked", "100777"))
	if len(entries) != 3 {
		t.Errorf("%d entries in the unpacked dir, want 3 (no temp dirs left)", len(entries))
	}
}

func TestConfig(t *testing.T) {
	s := mustOpen(t)
	digest := imagetest.Export(t, s.LayoutDir(), helloImage)
	cf, err := s.Config(digest)
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.Labels[cnb.BuildMetadataLabel] == "" || cf.Config.Labels[cnb.LifecycleMetadataLabel] == "" || cf.Config.WorkingDir != "/workspace" {
		t.Errorf("config = %+v", cf.Config)
	}
	unknown := "sha256:" + string(bytes.Repeat([]byte("ab"), 32))
	if _, err := s.Config(unknown); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("Config(unknown) = %v, want ENotFound", err)
	}
	for _, bad := range []string{"", "sha256:xyz", "md5:" + unknown[7:], "sha256:" + unknown[7:] + "/.."} {
		if s.Has(bad) {
			t.Errorf("Has(%q)", bad)
		}
		if _, err := s.Config(bad); bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("Config(%q) = %v, want EInvalid", bad, err)
		}
	}
}

// tamper replaces the blob of the image's first layer with another valid gzip tar.
func TestUnpackRefusesTamperedLayer(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	digest := imagetest.Export(t, s.LayoutDir(), helloImage)
	p, _ := layout.FromPath(s.LayoutDir())
	img, _ := p.Image(v1.Hash{Algorithm: "sha256", Hex: digest[7:]})
	ls, _ := img.Layers()
	ld, _ := ls[0].Digest()
	evil := mustLayer(t, []entry{{h: tar.Header{Name: "layers/x/y/bin/hello", Mode: 0o755}, body: "evil"}})
	rc, _ := evil.Compressed()
	b, _ := io.ReadAll(rc)
	if err := os.WriteFile(filepath.Join(s.LayoutDir(), "blobs", "sha256", ld.Hex), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Unpack(t.Context(), digest, testUID); err == nil {
		t.Fatal("Unpack took a layer whose content is not its diff ID")
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Dir, "unpacked", "100777")); len(entries) != 0 {
		t.Errorf("left %d entries", len(entries))
	}
}

func TestPrune(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	a := imagetest.Export(t, s.LayoutDir(), helloImage)
	b := imagetest.Export(t, s.LayoutDir(), imagetest.Image{Layer: map[string]string{"bin/other": "x"}, App: map[string]string{"b.txt": "b"}})
	dirsA, err := s.Unpack(t.Context(), a, testUID)
	if err != nil {
		t.Fatal(err)
	}
	dirsB, err := s.Unpack(t.Context(), b, testUID)
	if err != nil {
		t.Fatal(err)
	}
	blobs := func() int {
		e, _ := os.ReadDir(filepath.Join(s.LayoutDir(), "blobs", "sha256"))
		return len(e)
	}
	before := blobs()
	removed, err := s.Prune(map[string]bool{a: true})
	if err != nil || removed != 1 {
		t.Fatalf("Prune = %d, %v; want 1", removed, err)
	}
	if !s.Has(a) || s.Has(b) {
		t.Errorf("Has(a) = %v, Has(b) = %v after pruning b", s.Has(a), s.Has(b))
	}
	// b had its own manifest, config, launch layer and app layer; the config layer is
	// the same in both.
	if after := blobs(); after != before-4 {
		t.Errorf("%d blobs after prune, want %d", after, before-4)
	}
	for _, d := range dirsA {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("kept image's layer gone: %v", err)
		}
	}
	for _, d := range dirsB[:2] {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("pruned image's layer %s stays", d)
		}
	}
	if again, err := s.Unpack(t.Context(), a, testUID); err != nil || !slices.Equal(again, dirsA) {
		t.Errorf("Unpack after prune = %v, %v", again, err)
	}
	if _, err := layout.FromPath(s.LayoutDir()); err != nil {
		t.Errorf("layout after prune: %v", err)
	}
	if removed, err := s.Prune(nil); err != nil || removed != 1 || s.Has(a) || blobs() != 0 {
		t.Errorf("Prune(nil) = %d, %v; %d blobs left", removed, err, blobs())
	}
}

type entry struct {
	h    tar.Header
	body string
}

func mustLayer(t testing.TB, entries []entry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.h
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// tarImage adds an image of one layer made of entries to the store.
func tarImage(t testing.TB, s *image.Store, entries []entry) string {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, mustLayer(t, entries))
	if err != nil {
		t.Fatal(err)
	}
	err = s.WithLayout(func(dir string) error {
		p, err := layout.FromPath(dir)
		if err != nil {
			return err
		}
		return p.AppendImage(img)
	})
	if err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	return h.String()
}

// TestPruneConcurrent prunes while dynos' images are unpacked and another is exported.
func TestPruneConcurrent(t *testing.T) {
	requireRoot(t)
	s := mustOpen(t)
	a := imagetest.Export(t, s.LayoutDir(), helloImage)
	var wg sync.WaitGroup
	var unpackErr, pruneErr error
	wg.Go(func() {
		for range 5 {
			if _, err := s.Unpack(context.Background(), a, testUID); err != nil {
				unpackErr = err
			}
		}
	})
	wg.Go(func() {
		for range 5 {
			if _, err := s.Prune(map[string]bool{a: true}); err != nil {
				pruneErr = err
			}
		}
	})
	var b string
	s.WithLayout(func(dir string) error {
		b = imagetest.Export(t, dir, imagetest.Image{App: map[string]string{"b": "b"}})
		return nil
	})
	wg.Wait()
	if unpackErr != nil || pruneErr != nil {
		t.Fatalf("unpack: %v, prune: %v", unpackErr, pruneErr)
	}
	if !s.Has(a) {
		t.Error("kept image gone")
	}
	if _, err := s.Unpack(t.Context(), a, testUID); err != nil {
		t.Error(err)
	}
	_ = b // whether a prune ran after the export decides if b stays; either is fine
}

// TestWithLayout checks that readers never see an index being written: an image appended
// inside WithLayout shows up whole when it returns, and not at all when it fails.
func TestWithLayout(t *testing.T) {
	s := mustOpen(t)
	a := tarImage(t, s, []entry{{h: tar.Header{Name: "a"}, body: "a"}})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var torn int
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if !s.Has(a) {
				torn++
			}
		}
	})
	var added []string
	for i := range 30 {
		added = append(added, tarImage(t, s, []entry{{h: tar.Header{Name: "f"}, body: strings.Repeat("x", i)}}))
	}
	close(stop)
	wg.Wait()
	if torn > 0 {
		t.Errorf("a reader missed a stored image %d times while others were added", torn)
	}
	for _, d := range added {
		if !s.Has(d) {
			t.Errorf("added image %s missing", d)
		}
	}

	img, err := mutate.AppendLayers(empty.Image, mustLayer(t, []entry{{h: tar.Header{Name: "failed"}, body: "failed"}}))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	failed := errors.New("export failed")
	err = s.WithLayout(func(dir string) error {
		p, err := layout.FromPath(dir)
		if err != nil {
			return err
		}
		if err := p.AppendImage(img); err != nil {
			return err
		}
		if s.Has(h.String()) {
			t.Error("image listed before WithLayout returned")
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("WithLayout = %v, want fn's error", err)
	}
	if s.Has(h.String()) || !s.Has(a) {
		t.Errorf("after a failed export: has it %v, has the old image %v", s.Has(h.String()), s.Has(a))
	}
	if left, _ := filepath.Glob(filepath.Join(s.Dir, ".layout-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	half := filepath.Join(dir, "unpacked", "100777", ".abcdef-123")
	gone := filepath.Join(dir, "unpacked", "100777", ".gone-abc")
	stage := filepath.Join(dir, ".layout-123") // a WithLayout killed half-way
	for _, d := range []string{half, gone, stage} {
		if err := os.MkdirAll(filepath.Join(d, "layers"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := image.Open(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{half, gone, stage} {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s stays", d)
		}
	}
	if _, err := image.Open(dir); err != nil {
		t.Errorf("Open of an existing store: %v", err)
	}
}
