package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"
)

// Event is one live event of an app from /ws.
type Event struct {
	Type  string         `json:"type"`
	App   string         `json:"app"`
	AppID string         `json:"app_id"`
	Time  string         `json:"time"`
	Data  map[string]any `json:"data,omitempty"`
}

// Events subscribes to the live events of the apps on /ws and calls fn with each one, raw
// (the JSON text of the event), until ctx ends, fn returns an error, or the server closes the
// connection.
func (c *Client) Events(ctx context.Context, apps []string, fn func(raw []byte) error) error {
	u := c.URL()
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path += "/ws"
	u.RawQuery = url.Values{"app": apps}.Encode()
	h := http.Header{}
	h.Set("User-Agent", c.ua)
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: &http.Client{Transport: c.hc.Transport},
		HTTPHeader: h, Subprotocols: []string{"bera.events"}})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			return DecodeError(resp.StatusCode, resp.Header.Get("Request-Id"), body, "subscribe to events")
		}
		return fmt.Errorf("subscribe to events: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return nil
			}
			return fmt.Errorf("events stream ended (the server drops subscribers that fall behind): %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}
