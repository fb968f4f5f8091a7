package server

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runc/buildrun"
)

// buildRunner returns deploy.Config.Runner: builds run in the runc sandbox, as the app's
// uid with --build-memory, when the dynos do; nil (plain processes) otherwise.
func buildRunner(rt runtime.Runtime, cfg *Config, log *slog.Logger) func(appID string) build.Runner {
	r, ok := rt.(*runc.Runtime)
	if !ok {
		log.Warn("builds run as plain processes with no isolation or memory limit", "runtime", runtimeName(rt))
		return nil
	}
	return buildrun.ForApp(r, cfg.BuildMemory)
}

// openToolCache opens --machine-cache (default DATA/cache/machine); nil when "off".
func openToolCache(cfg *Config, log *slog.Logger) (*build.ToolCache, error) {
	dir := cfg.MachineCache
	switch dir {
	case "off":
		return nil, nil
	case "":
		dir = filepath.Join(cfg.Data, "cache", "machine")
	}
	return build.OpenToolCache(dir)
}

// warmToolCache fills the machine cache in the background; builds meanwhile wait for it or
// build without it (build.ToolCache.GoCache).
func warmToolCache(ctx context.Context, c *build.ToolCache, log *slog.Logger) {
	if c == nil || c.Ready() != "" {
		return
	}
	t0 := time.Now()
	if err := c.Warm(ctx, build.WarmOptions{}); err != nil {
		if ctx.Err() == nil {
			log.Warn("machine build cache: warm-up failed; builds compile without it", "dir", c.Dir(), "err", err)
		}
		return
	}
	log.Info("machine build cache ready", "dir", c.Ready(), "took", time.Since(t0).Round(time.Millisecond))
}
