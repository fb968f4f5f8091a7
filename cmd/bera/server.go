package main

import (
	"context"
	"errors"
	"flag"
	"os"

	"github.com/kingvon-ke/bera/internal/server"
)

// runServer runs `bera server` until ctx is cancelled (SIGINT/SIGTERM), then shuts down:
// stop accepting, finish in-flight requests (10 s), close the store.
func runServer(ctx context.Context, args []string) error {
	cfg, err := parseServerFlags(args, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	cfg.SecretKey = os.Getenv("BERA_SECRET_KEY")
	cfg.AdminEmail, cfg.AdminPassword = os.Getenv("BERA_ADMIN_EMAIL"), os.Getenv("BERA_ADMIN_PASSWORD")
	cfg.Stdout = os.Stdout
	stopProfile, err := startCPUProfile()
	if err != nil {
		return err
	}
	defer stopProfile()
	srv, err := server.New(ctx, *cfg)
	if err != nil {
		return err
	}
	err = srv.Run(ctx)
	return errors.Join(err, srv.Close())
}
