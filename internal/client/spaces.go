package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Spaces lists the Private Spaces the user owns or has apps in.
func (c *Client) Spaces(ctx context.Context) ([]wire.Space, error) {
	var out []wire.Space
	return out, c.call(ctx, http.MethodGet, "/spaces", nil, &out)
}

// Space returns one space by name or id.
func (c *Client) Space(ctx context.Context, space string) (*wire.Space, error) {
	var out wire.Space
	return &out, c.call(ctx, http.MethodGet, "/spaces/"+url.PathEscape(space), nil, &out)
}

// CreateSpace creates a space.
func (c *Client) CreateSpace(ctx context.Context, in wire.SpaceCreate) (*wire.Space, error) {
	var out wire.Space
	return &out, c.call(ctx, http.MethodPost, "/spaces", in, &out)
}

// DestroySpace destroys an empty space.
func (c *Client) DestroySpace(ctx context.Context, space string) (*wire.Space, error) {
	var out wire.Space
	return &out, c.call(ctx, http.MethodDelete, "/spaces/"+url.PathEscape(space), nil, &out)
}
