package server

import (
	"context"
	"io"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/gitserver"
)

// buildEvents is a gitserver.Deployer that also publishes the build output, line by line.
type buildEvents struct {
	gitserver.Deployer
	bus events.Publisher
}

// Deploy implements gitserver.Deployer.
func (d buildEvents) Deploy(ctx context.Context, app *bera.App, user *bera.User, src gitserver.Source, out io.Writer) error {
	lines := &events.Lines{Events: d.bus, AppID: app.ID}
	defer lines.Flush()
	return d.Deployer.Deploy(ctx, app, user, src, io.MultiWriter(out, lines))
}
