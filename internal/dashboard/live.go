package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/kingvon-ke/bera/internal/client"
)

// liveTypes are the /ws event types a page refreshes on; log lines and build output are
// left out until pages show them.
var liveTypes = map[string]bool{"release.created": true, "dyno.state": true, "formation.changed": true, "addon.changed": true}

// handleLive serves GET /dashboard/apps/{app}/live: the app's events from the API's /ws as
// Server-Sent Events, which a browser's EventSource follows and reconnects to on its own.
// The stream ends with the browser's request or at Close.
func (d *Dashboard) handleLive(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	app := r.PathValue("app")
	// Check access first, so a refusal is an error page and not an empty stream.
	if _, err := c.App(r.Context(), app); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(d.ctx, cancel)()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	err := c.Events(ctx, []string{app}, func(raw []byte) error {
		var ev struct{ Type string }
		if json.Unmarshal(raw, &ev) != nil || !liveTypes[ev.Type] || bytes.ContainsAny(raw, "\r\n") {
			return nil
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, raw); err != nil {
			return err
		}
		return rc.Flush()
	})
	if err != nil && ctx.Err() == nil {
		// The headers are sent: the browser reconnects; the log says why the stream ended.
		d.log.Info("dashboard live stream ended", "app", app, "err", err)
	}
	return nil
}
