package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/gitserver"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/store"
)

// selectRuntime picks the dyno runtime for --runtime.
func selectRuntime(ctx context.Context, cfg *serverConfig, output func(runtime.Line), log *slog.Logger) (runtime.Runtime, error) {
	return process.New(process.Config{Output: output, Logger: log}), nil
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
func newGitServer(cfg *serverConfig, st *store.Store, apiServer *api.Server, d gitserver.Deployer, listenAddr string, log *slog.Logger) (*gitserver.Server, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
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
		HookBin:  bin,
		Logger:   log,
	}), nil
}
