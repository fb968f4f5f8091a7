package builtin_test

import (
	"path/filepath"
	"testing"

	"github.com/kingvon-ke/bera/internal/cnb/builtin"
)

// BenchmarkGoBuild compares a first build (empty caches), one whose Go build cache starts
// from the machine's (SeedEnv), and a rebuild with the cache layers restored.
// Run: go test ./internal/cnb/builtin -run '^$' -bench Build -benchtime 1x
func BenchmarkGoBuild(b *testing.B) {
	requireTools(b, "/usr/local/go/bin/go")
	warm := b.TempDir()
	mustBuild(b, copyApp(b, "go"), warm, env(b))
	seed := filepath.Join(warm, "bera_go", "go-build")
	b.Run("Cold", func(b *testing.B) {
		for b.Loop() {
			mustBuild(b, copyApp(b, "go"), b.TempDir(), env(b))
		}
	})
	b.Run("Seeded", func(b *testing.B) {
		for b.Loop() {
			mustBuild(b, copyApp(b, "go"), b.TempDir(), env(b, builtin.SeedEnv+"="+seed))
		}
	})
	b.Run("Restored", func(b *testing.B) {
		for b.Loop() {
			mustBuild(b, copyApp(b, "go"), warm, env(b))
		}
	})
}

// BenchmarkNodejsBuild compares npm ci with an empty npm cache and with the npm-cache
// layer restored.
func BenchmarkNodejsBuild(b *testing.B) {
	requireTools(b, "/usr/bin/node", "/usr/bin/npm")
	warm := b.TempDir()
	mustBuild(b, copyApp(b, "nodejs"), warm, env(b))
	b.Run("Cold", func(b *testing.B) {
		for b.Loop() {
			mustBuild(b, copyApp(b, "nodejs"), b.TempDir(), env(b))
		}
	})
	b.Run("Restored", func(b *testing.B) {
		for b.Loop() {
			mustBuild(b, copyApp(b, "nodejs"), warm, env(b))
		}
	})
}
