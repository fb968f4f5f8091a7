package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
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
	// Holder names the caller's user and API key ("USER_ID/KEY_ID"); the session ends
	// when LogSessionAllowed no longer allows it.
	Holder string
}

// handleLogSessionCreate answers `heroku logs` and `bera logs`: a URL that streams the app's
// log lines (SSE or plain text).
func (s *Server) handleLogSessionCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.LogSessionCreate
	if err := decode(r, &req, true); err != nil {
		return err
	}
	opts := LogSessionOptions{Dyno: req.Dyno, Source: req.Source, Lines: 100, Tail: req.Tail, Holder: sessionHolder(r.Context())}
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
	now := ts(s.cfg.Now())
	return writeJSON(w, http.StatusCreated, wire.LogSession{ID: uuid.NewString(), LogplexURL: s.cfg.LogSessions.URL(requestBase(r), app.ID, opts),
		CreatedAt: now, UpdatedAt: now})
}

// logf writes an "api" line to the app's log stream, such as "Set A config vars by user x".
func (s *Server) logf(r *http.Request, appID, msg string) {
	if s.cfg.Log != nil {
		s.cfg.Log(appID, msg+" by user "+bera.UserFrom(r.Context()).Email)
	}
}

// sessionHolder names the caller of a log-session request: its user and API key.
func sessionHolder(ctx context.Context) string {
	h := bera.UserFrom(ctx).ID + "/"
	if key, ok := ctx.Value(keyCtx{}).(*bera.APIKey); ok && key != nil {
		h += key.ID
	}
	return h
}

// LogSessionAllowed returns the check a log session makes while it streams: its holder's
// API key still exists and its user can still see the app (owner or collaborator). A store
// failure other than not-found allows, so a database hiccup does not cut tails; the next
// check asks again.
func LogSessionAllowed(st Store) func(ctx context.Context, holder, appID string) bool {
	return func(ctx context.Context, holder, appID string) bool {
		userID, keyID, ok := strings.Cut(holder, "/")
		if !ok || userID == "" || keyID == "" {
			return false
		}
		keys, err := st.ListAPIKeys(ctx, userID)
		if err != nil {
			return bera.ErrorCode(err) != bera.ENotFound
		}
		if !slices.ContainsFunc(keys, func(k *bera.APIKey) bool { return k.ID == keyID }) {
			return false
		}
		_, err = st.Role(ctx, appID, userID)
		return bera.ErrorCode(err) != bera.ENotFound
	}
}
