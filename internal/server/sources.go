package server

import (
	"context"
	"log/slog"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/store"
)

// newSources serves the API's Git URL, tarball and webhook endpoints, deploying with
// deployer; webhooks and build output URLs point at listenAddr unless --public-url is set.
func newSources(cfg *Config, st *store.Store, deployer bera.Deployer, key []byte, listenAddr string, log *slog.Logger) *source.Service {
	public := cfg.PublicURL
	if public == "" {
		public = "http://" + listenAddr
	}
	return source.New(source.Config{Store: st, Deployer: deployer, DataDir: cfg.Data,
		PublicURL: strings.TrimSuffix(public, "/"), SigningKey: key, Logger: log,
		Fetcher: &source.Fetcher{Policy: source.Policy{Schemes: splitList(cfg.SourceSchemes), Hosts: splitList(cfg.SourceHosts),
			AllowPrivate: cfg.AllowPrivateSources}},
	})
}

// runSources polls auto-deploy branches until ctx ends, then stops running builds.
func runSources(ctx context.Context, srcs *source.Service) error {
	err := srcs.Run(ctx)
	srcs.Close()
	return err
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, strings.ToLower(item))
		}
	}
	return out
}
