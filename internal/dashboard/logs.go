package dashboard

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// logBacklog is how many past lines a log view starts with (the API's maximum).
const logBacklog = 1500

// handleLogs serves More → View logs: a live log view. The page's script streams the app's
// log from a log session (handleLogSession) as Server-Sent Events, straight from the API's
// log-session endpoint, and filters, pauses and follows it in the browser.
func (d *Dashboard) handleLogs(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "logs", "Logs")
	if err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "logs", f)
	return nil
}

// logSessionJSON is the answer of handleLogSession.
type logSessionJSON struct {
	URL string `json:"url"`
}

// handleLogSession serves GET /dashboard/apps/{app}/log-session: a new tailing log session
// of the app (POST /apps/{app}/log-sessions with the user's key) as {"url": PATH}. The path
// keeps the logplex_url's signed query but not its host, so the browser opens it on the
// dashboard's own origin. It is JSON without CORS headers: another origin cannot read it.
func (d *Dashboard) handleLogSession(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	lines := logBacklog
	s, err := c.CreateLogSession(r.Context(), r.PathValue("app"), wire.LogSessionCreate{Tail: true, Lines: &lines})
	if err != nil {
		return err
	}
	u, err := url.Parse(s.LogplexURL)
	if err != nil || u.Path == "" {
		return errorf(http.StatusBadGateway, "Logs unavailable", "The server returned a log session the dashboard cannot open.")
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(logSessionJSON{URL: u.RequestURI()})
}

// handleRestartAll restarts all of the app's dynos (More → Restart all dynos), once
// confirmed on the Resources tab.
func (d *Dashboard) handleRestartAll(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	back := appURL(app, "resources")
	if r.PostForm.Get("confirm") != "yes" {
		return back + "?restart=all#confirm-restart", nil
	}
	if err := c.RestartDynos(r.Context(), app, ""); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Restarting all dynos of " + app + "."})
	return back, nil
}
