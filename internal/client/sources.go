package client

import (
	"context"
	"io"
	"net/http"

	"github.com/kingvon-ke/bera/internal/wire"
)

// CreateBuild starts a build; it returns at once with the pending build.
func (c *Client) CreateBuild(ctx context.Context, app string, in wire.BuildCreate) (*wire.Build, error) {
	var b wire.Build
	return &b, c.call(ctx, http.MethodPost, appPath(app, "builds"), in, &b)
}

// Build returns one build of an app.
func (c *Client) Build(ctx context.Context, app, id string) (*wire.Build, error) {
	var b wire.Build
	return &b, c.call(ctx, http.MethodGet, appPath(app, "builds", id), nil, &b)
}

// OpenBuildOutput streams a build's output_stream_url until the build ends.
func (c *Client) OpenBuildOutput(ctx context.Context, outputStreamURL string) (io.ReadCloser, error) {
	return c.OpenLogs(ctx, outputStreamURL)
}

// AppSource returns an app's source settings.
func (c *Client) AppSource(ctx context.Context, app string) (*wire.AppSource, error) {
	var s wire.AppSource
	return &s, c.call(ctx, http.MethodGet, appPath(app, "source"), nil, &s)
}

// UpdateAppSource changes an app's source settings.
func (c *Client) UpdateAppSource(ctx context.Context, app string, in wire.AppSourceUpdate) (*wire.AppSource, error) {
	var s wire.AppSource
	return &s, c.call(ctx, http.MethodPatch, appPath(app, "source"), in, &s)
}

// Builds lists an app's builds, oldest first (GET /apps/{app}/builds).
func (c *Client) Builds(ctx context.Context, app string) ([]wire.Build, error) {
	var out []wire.Build
	return out, c.call(ctx, http.MethodGet, appPath(app, "builds"), nil, &out)
}

// Slug returns one of an app's slugs.
func (c *Client) Slug(ctx context.Context, app, id string) (*wire.Slug, error) {
	var s wire.Slug
	return &s, c.call(ctx, http.MethodGet, appPath(app, "slugs", id), nil, &s)
}

// OCIImage returns an OCI image of an app's CNB build, by id or digest.
func (c *Client) OCIImage(ctx context.Context, app, idOrDigest string) (*wire.OCIImage, error) {
	var im wire.OCIImage
	return &im, c.call(ctx, http.MethodGet, appPath(app, "oci-images", idOrDigest), nil, &im)
}
