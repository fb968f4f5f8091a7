package client

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/kingvon-ke/bera/internal/wire"
)

// CreateLogSession asks for a logplex_url that streams the app's logs.
func (c *Client) CreateLogSession(ctx context.Context, app string, req wire.LogSessionCreate) (*wire.LogSession, error) {
	var s wire.LogSession
	return &s, c.call(ctx, http.MethodPost, appPath(app, "log-sessions"), req, &s)
}

// OpenLogs opens a logplex_url as plain text lines (no SSE). The URL carries its own
// credential, so no key is sent; the stream has no timeout (tails run until ctx ends).
func (c *Client) OpenLogs(ctx context.Context, logplexURL string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, logplexURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	hc := &http.Client{Transport: c.hc.Transport}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach %s: %w", req.URL.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return nil, DecodeError(resp.StatusCode, resp.Header.Get("Request-Id"), body, "GET log stream")
	}
	return resp.Body, nil
}

// LogDrains lists an app's drains.
func (c *Client) LogDrains(ctx context.Context, app string) ([]wire.LogDrain, error) {
	var ds []wire.LogDrain
	return ds, c.call(ctx, http.MethodGet, appPath(app, "log-drains"), nil, &ds)
}

// AddLogDrain adds a drain by URL.
func (c *Client) AddLogDrain(ctx context.Context, app, drainURL string) (*wire.LogDrain, error) {
	var d wire.LogDrain
	return &d, c.call(ctx, http.MethodPost, appPath(app, "log-drains"), wire.LogDrainCreate{URL: drainURL}, &d)
}

// RemoveLogDrain removes a drain by URL, token or id.
func (c *Client) RemoveLogDrain(ctx context.Context, app, drain string) (*wire.LogDrain, error) {
	var d wire.LogDrain
	return &d, c.call(ctx, http.MethodDelete, appPath(app, "log-drains", drain), nil, &d)
}
