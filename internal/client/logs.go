package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// LogSessionCreate is the body of POST /apps/{app}/log-sessions; zero fields are left out.
type LogSessionCreate struct {
	Dyno   string `json:"dyno,omitempty"`
	Lines  int    `json:"lines,omitempty"`
	Source string `json:"source,omitempty"`
	Tail   bool   `json:"tail,omitempty"`
}

// LogSession is a created log session.
type LogSession struct {
	ID         string `json:"id"`
	LogplexURL string `json:"logplex_url"`
}

// CreateLogSession asks for a logplex_url that streams the app's logs.
func (c *Client) CreateLogSession(ctx context.Context, app string, req LogSessionCreate) (*LogSession, error) {
	var s LogSession
	return &s, c.Do(ctx, http.MethodPost, appPath(app, "log-sessions"), req, &s)
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
