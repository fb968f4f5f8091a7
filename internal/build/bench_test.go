package build_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/build"
)

// BenchmarkBuildGo compares building the go-hello sample: with an empty cache (the Go build
// cache starts empty, so the standard library is compiled too), with the cache of an earlier
// build, and a plain `go build` of the same packages with the same warm cache.
func BenchmarkBuildGo(b *testing.B) {
	need(b, "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go")
	noShared := map[string]string{}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src, cache := copyApp(b, "go-hello"), b.TempDir()
			b.StartTimer()
			if _, out, err := buildApp(b, "", build.Options{SourceDir: src, CacheDir: cache, BuildEnv: noShared}); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
	cache := b.TempDir()
	if _, out, err := buildApp(b, "go-hello", build.Options{CacheDir: cache, BuildEnv: noShared}); err != nil {
		b.Fatalf("%v\n%s", err, out)
	}
	b.Run("warm", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src := copyApp(b, "go-hello")
			b.StartTimer()
			if _, out, err := buildApp(b, "", build.Options{SourceDir: src, CacheDir: cache, BuildEnv: noShared}); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
	b.Run("plain-go-build", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			src := copyApp(b, "go-hello")
			b.StartTimer()
			cmd := exec.Command("/usr/local/go/bin/go", "build", "-trimpath", "-ldflags", "-s -w", "-o", "bin/", ".", "./cmd/...")
			cmd.Dir = src
			cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(cache, "go-build"), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
}
