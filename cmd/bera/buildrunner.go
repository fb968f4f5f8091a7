package main

import (
	"log/slog"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

// byteSize is a memory size flag ("2G", "512M"); zero means the default.
type byteSize int64

// String renders the size, the default when unset.
func (b *byteSize) String() string {
	if b == nil || *b == 0 {
		return buildrun.FormatSize(buildrun.DefaultMemory)
	}
	return buildrun.FormatSize(int64(*b))
}

// Set parses a size.
func (b *byteSize) Set(s string) error {
	n, err := buildrun.ParseSize(s)
	*b = byteSize(n)
	return err
}

// buildRunner returns deploy.Config.Runner: builds run in the runc sandbox, as the app's
// uid with --build-memory, when the dynos do; nil (plain processes) otherwise.
func buildRunner(rt runtime.Runtime, cfg *serverConfig, log *slog.Logger) func(appID string) build.Runner {
	r, ok := rt.(*runc.Runtime)
	if !ok {
		log.Warn("builds run as plain processes with no isolation or memory limit", "runtime", runtimeName(rt))
		return nil
	}
	return buildrun.ForApp(r, int64(cfg.BuildMemory))
}
