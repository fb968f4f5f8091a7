package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
)

// LogSessions issues log-session URLs: signed, short-lived, readable without the API key.
type LogSessions interface {
	// URL returns the logplex_url for an app's session; base is scheme://host of the request.
	URL(base, appID string, opts LogSessionOptions) string
}

// LogSessionOptions are the filters of a log session.
type LogSessionOptions struct {
	Dyno, Source string
	Lines        int
	Tail         bool
}

type createLogSessionRequest struct {
	Dyno   string `json:"dyno"`
	Lines  *int   `json:"lines"`
	Source string `json:"source"`
	Tail   bool   `json:"tail"`
}

type logSessionJSON struct {
	ID         string `json:"id"`
	LogplexURL string `json:"logplex_url"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

// handleLogSessionCreate answers `heroku logs` and `bera logs`: a URL that streams the app's
// log lines (SSE or plain text).
func (s *Server) handleLogSessionCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req createLogSessionRequest
	if err := decode(r, &req, true); err != nil {
		return err
	}
	opts := LogSessionOptions{Dyno: req.Dyno, Source: req.Source, Lines: 100, Tail: req.Tail}
	if req.Lines != nil {
		if *req.Lines < 0 || *req.Lines > 1500 {
			return bera.Errorf(bera.EInvalid, "lines must be between 0 and 1500.")
		}
		opts.Lines = *req.Lines
	}
	if len(req.Dyno) > 64 || len(req.Source) > 64 {
		return bera.Errorf(bera.EInvalid, "dyno and source filters are at most 64 characters.")
	}
	if s.cfg.LogSessions == nil {
		return bera.Errorf(bera.EUnavailable, "Logs are not available on this server.")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	now := ts(s.cfg.Now())
	return writeJSON(w, http.StatusCreated, logSessionJSON{ID: uuid.NewString(), LogplexURL: s.cfg.LogSessions.URL(scheme+"://"+r.Host, app.ID, opts),
		CreatedAt: now, UpdatedAt: now})
}

// logf writes an "api" line to the app's log stream, such as "Set A config vars by user x".
func (s *Server) logf(r *http.Request, appID, msg string) {
	if s.cfg.Log != nil {
		s.cfg.Log(appID, msg+" by user "+bera.UserFrom(r.Context()).Email)
	}
}
