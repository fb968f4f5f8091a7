package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Metrics returns an app's 1-minute metrics with since <= time < until
// (GET /apps/{app}/metrics?since=…&until=…; the server keeps 24 hours).
func (c *Client) Metrics(ctx context.Context, app string, since, until time.Time) (*wire.Metrics, error) {
	q := url.Values{"since": {since.UTC().Format(time.RFC3339)}, "until": {until.UTC().Format(time.RFC3339)}}
	var m wire.Metrics
	return &m, c.call(ctx, http.MethodGet, appPath(app, "metrics")+"?"+q.Encode(), nil, &m)
}
