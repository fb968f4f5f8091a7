package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/gitserver"
	"github.com/kingvon-ke/bera/internal/image"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/store"
)

// selectRuntime picks the dyno runtime for --runtime.
// auto means runc when it is usable here (Linux, root, runc installed), else process.
func selectRuntime(ctx context.Context, cfg *Config, output func(runtime.Line), log *slog.Logger) (runtime.Runtime, error) {
	why := runc.Available()
	switch {
	case cfg.Runtime == "process", cfg.Runtime == "auto" && why != nil:
		if cfg.Runtime == "auto" {
			log.Warn("dynos run as plain processes with no isolation", "reason", why)
		}
		return process.New(process.Config{Output: output, Logger: log}), nil
	case why != nil:
		return nil, fmt.Errorf("--runtime runc: %w", why)
	}
	subnet, err := netip.ParsePrefix(cfg.RuncSubnet)
	if err != nil {
		return nil, errors.New("--runc-subnet: " + err.Error())
	}
	return runc.New(ctx, runc.Config{Root: filepath.Join(cfg.Data, "runc"), Bridge: cfg.RuncBridge, Subnet: subnet, Output: output, Logger: log})
}

func runtimeName(rt runtime.Runtime) string {
	if rt.Capabilities().Isolated {
		return "runc"
	}
	return "process"
}

// slugOwner makes extracted slugs belong to the app's dyno user when dynos are isolated.
func slugOwner(rt runtime.Runtime) func(appID string) int {
	if !rt.Capabilities().Isolated {
		return nil
	}
	return runtime.AppUID
}

// newGitServer serves /APP.git with the API's authentication; owners and collaborators may
// push and clone.
func newGitServer(cfg *Config, st *store.Store, apiServer *api.Server, d bera.Deployer, listenAddr string, log *slog.Logger) *gitserver.Server {
	if _, err := exec.LookPath("git"); err != nil {
		log.Warn("git is not installed: git push deploys will fail")
	}
	return gitserver.New(gitserver.Config{
		ReposDir:     filepath.Join(cfg.Data, "repos"),
		Authenticate: apiServer.Authenticate,
		App: func(ctx context.Context, name string, u *bera.User) (*bera.App, error) {
			app, err := st.App(ctx, name)
			if err != nil {
				return nil, err
			}
			if _, err := st.Role(ctx, app.ID, u.ID); err != nil {
				return nil, err
			}
			return app, nil
		},
		Deployer: d,
		HookURL:  "http://" + listenAddr,
		HookBin:  cfg.Executable,
		Logger:   log,
	})
}

// NewPruner deletes slugs no release references, from DATA/slugs and DATA/slugdirs, for
// `bera admin slugs:prune` (the server itself prunes hourly).
func NewPruner(cfg *Config, st *store.Store) (*deploy.Pruner, error) {
	slugs, err := slugfs.New(filepath.Join(cfg.Data, "slugs"))
	if err != nil {
		return nil, err
	}
	p := &deploy.Pruner{Store: st, Slugs: slugs, SlugDirs: filepath.Join(cfg.Data, "slugdirs"), Grace: time.Hour}
	if dir := filepath.Join(cfg.Data, "images"); exists(dir) {
		if p.Images, err = image.Open(dir); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pruneLoop prunes slugs a minute after start, then hourly.
func pruneLoop(ctx context.Context, p *deploy.Pruner, log *slog.Logger) error {
	wait := time.Minute
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = time.Hour
		if removed, err := p.Prune(ctx); err != nil {
			log.Error("prune slugs", "err", err)
		} else if len(removed) > 0 {
			log.Info("pruned slugs", "count", len(removed))
		}
	}
}

// commonNetwork is the runc dynos' network (--runc-subnet), which no space may overlap;
// invalid for other runtimes.
func commonNetwork(cfg *Config) netip.Prefix {
	p, _ := netip.ParsePrefix(cfg.RuncSubnet)
	return p.Masked()
}

// lazyCNBBinDir makes cnbBinDir's copy on the first CNB build, not at every start (most
// servers never build one), and again after a failed try.
func lazyCNBBinDir(cfg *Config) func() (string, error) {
	var mu sync.Mutex
	var dir string
	return func() (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if dir != "" {
			return dir, nil
		}
		d, err := cnbBinDir(cfg)
		if err == nil {
			dir = d
		}
		return d, err
	}
}

// cnbBinDir copies the server's binary to DATA/cnb/bin/bera (once per binary) and returns
// that directory: CNB build steps see it read-only and run the built-in buildpacks from it.
// A copy, so that no build ever sees the directory the server was started from.
func cnbBinDir(cfg *Config) (string, error) {
	exe := cfg.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("CNB buildpacks: %w", err)
		}
	}
	src, err := os.Stat(exe)
	if err != nil {
		return "", fmt.Errorf("CNB buildpacks: %w", err)
	}
	dir := filepath.Join(cfg.Data, "cnb", "bin")
	dst := filepath.Join(dir, "bera")
	if fi, err := os.Stat(dst); err == nil && fi.Size() == src.Size() && fi.ModTime().Equal(src.ModTime()) {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	in, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, ".bera-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return "", fmt.Errorf("CNB buildpacks: copy %s: %w", exe, err)
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return "", err
	}
	if err := os.Chtimes(tmp.Name(), src.ModTime(), src.ModTime()); err != nil {
		return "", err
	}
	return dir, os.Rename(tmp.Name(), dst)
}
