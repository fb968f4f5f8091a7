package client

import (
	"context"
	"net/http"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Domains lists an app's domains, its own APP.DOMAIN first (GET /apps/{app}/domains, every
// page, with the Heroku CLI's Range: id ..; max=1000;).
func (c *Client) Domains(ctx context.Context, app string) ([]wire.Domain, error) {
	return listAll[wire.Domain](ctx, c, appPath(app, "domains"), "id ..; max=1000;")
}

// Domain returns one domain by hostname or id (GET /apps/{app}/domains/{domain}).
func (c *Client) Domain(ctx context.Context, app, domain string) (*wire.Domain, error) {
	var d wire.Domain
	return &d, c.call(ctx, http.MethodGet, appPath(app, "domains", domain), nil, &d)
}

// AddDomain adds a custom domain (POST /apps/{app}/domains).
func (c *Client) AddDomain(ctx context.Context, app string, in wire.DomainCreate) (*wire.Domain, error) {
	var d wire.Domain
	return &d, c.call(ctx, http.MethodPost, appPath(app, "domains"), in, &d)
}

// RemoveDomain removes a custom domain by hostname or id (DELETE /apps/{app}/domains/{domain}).
func (c *Client) RemoveDomain(ctx context.Context, app, domain string) error {
	return c.call(ctx, http.MethodDelete, appPath(app, "domains", domain), nil, nil)
}

// SNIEndpoints lists an app's manual certificates (GET /apps/{app}/sni-endpoints).
func (c *Client) SNIEndpoints(ctx context.Context, app string) ([]wire.SNIEndpoint, error) {
	var eps []wire.SNIEndpoint
	return eps, c.call(ctx, http.MethodGet, appPath(app, "sni-endpoints"), nil, &eps)
}

// AddSNIEndpoint adds a manual certificate (POST /apps/{app}/sni-endpoints).
func (c *Client) AddSNIEndpoint(ctx context.Context, app string, in wire.SNIEndpointCreate) (*wire.SNIEndpoint, error) {
	var ep wire.SNIEndpoint
	return &ep, c.call(ctx, http.MethodPost, appPath(app, "sni-endpoints"), in, &ep)
}

// RemoveSNIEndpoint removes a manual certificate by name or id
// (DELETE /apps/{app}/sni-endpoints/{sni_endpoint}).
func (c *Client) RemoveSNIEndpoint(ctx context.Context, app, endpoint string) error {
	return c.call(ctx, http.MethodDelete, appPath(app, "sni-endpoints", endpoint), nil, nil)
}

// SetACM turns automatic certificates for the app's custom domains on
// (POST /apps/{app}/acm) or off (DELETE /apps/{app}/acm).
func (c *Client) SetACM(ctx context.Context, app string, on bool) error {
	method := http.MethodPost
	if !on {
		method = http.MethodDelete
	}
	return c.call(ctx, method, appPath(app, "acm"), nil, nil)
}
