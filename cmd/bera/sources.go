package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/kingvon-ke/bera/internal/gitserver"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/store"
)

// sourceWiring serves the API's Git URL, tarball and webhook endpoints. The service needs
// the deployer and the listener's address, which exist only after the API server, so start
// fills it in; no request reaches it before the server starts serving.
type sourceWiring struct {
	*source.Service
}

// start builds the source service for deployer, reachable at listenAddr.
func (w *sourceWiring) start(cfg *serverConfig, st *store.Store, deployer gitserver.Deployer, key []byte, listenAddr string, log *slog.Logger) {
	public := cfg.PublicURL
	if public == "" {
		public = "http://" + listenAddr
	}
	w.Service = source.New(source.Config{Store: st, Deployer: deployer, DataDir: cfg.Data,
		PublicURL: strings.TrimSuffix(public, "/"), SigningKey: key, Logger: log,
		Fetcher: &source.Fetcher{Policy: source.Policy{Schemes: splitList(cfg.SourceSchemes), Hosts: splitList(cfg.SourceHosts),
			AllowPrivate: cfg.AllowPrivateSources}},
	})
}

// run polls auto-deploy branches until ctx ends, then stops running builds.
func (w *sourceWiring) run(ctx context.Context) error {
	err := w.Run(ctx)
	w.Close()
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
