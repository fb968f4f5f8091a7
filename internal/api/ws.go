package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
)

// EventsSubprotocol is the WebSocket subprotocol of /ws. A browser, which cannot set an
// Authorization header on a WebSocket, offers its API key as a second subprotocol
// "bera.key.KEY" next to this one.
const EventsSubprotocol = "bera.events"

// keySubprotocolPrefix marks the subprotocol that carries an API key.
const keySubprotocolPrefix = "bera.key."

// wsWriteTimeout bounds one event write; a subscriber that stalls longer is disconnected.
const wsWriteTimeout = 10 * time.Second

// wsEvent is an event on the wire: the events.Event plus the app's name; Data is the
// event's payload (events.Log, ...).
type wsEvent struct {
	Type  string         `json:"type"`
	App   string         `json:"app"`
	AppID string         `json:"app_id"`
	Time  string         `json:"time"`
	Data  events.Payload `json:"data,omitempty"`
}

// handleEvents serves GET /ws?app=NAME[&app=NAME2]: a WebSocket of the apps' events as JSON
// text messages. Every app must be one the caller can see. A subscriber that falls behind
// is dropped (close status 1008) rather than waited for.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Events == nil {
		return bera.Errorf(bera.EUnavailable, "Live events are not available on this server.")
	}
	r, err := s.wsAuthenticate(r)
	if err != nil {
		return err
	}
	names, err := s.wsApps(r)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	sub, err := s.cfg.Events.Subscribe(r.Context(), ids)
	if err != nil {
		return fmt.Errorf("subscribe to events: %w", err)
	}
	defer sub.Close()
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{EventsSubprotocol}})
	if err != nil {
		return nil // Accept has answered the request.
	}
	defer c.CloseNow()
	ctx := c.CloseRead(r.Context())
	go s.dropWhenSlow(ctx, c, sub)
	go s.closeWhenAccessEnds(ctx, c, callerKey(r.Context()), ids)
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-sub.C():
			if !ok {
				return nil
			}
			if err := writeEvent(ctx, c, e, names[e.AppID]); err != nil {
				return nil
			}
		}
	}
}

// closeWhenAccessEnds re-checks, every AccessRecheckInterval, that the socket's API key is
// still valid and its user still has access to every app it follows, and closes the socket
// (status 1008) as soon as either ends: a revoked key or a removed collaborator stops
// receiving events and log lines within that interval.
func (s *Server) closeWhenAccessEnds(ctx context.Context, c *websocket.Conn, key *bera.APIKey, appIDs []string) {
	user := bera.UserFrom(ctx)
	tick := time.NewTicker(s.cfg.AccessRecheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if reason := s.accessEnded(ctx, user, key, appIDs); reason != "" {
			if ctx.Err() != nil {
				return
			}
			c.Close(websocket.StatusPolicyViolation, reason)
			return
		}
	}
}

// accessEnded returns why the caller may no longer follow appIDs, or "" when it still may.
// A store failure other than not-found keeps the socket open (it is checked again).
func (s *Server) accessEnded(ctx context.Context, user *bera.User, key *bera.APIKey, appIDs []string) string {
	if key != nil {
		u, _, err := s.store.UserByAPIKeyHash(ctx, key.Hash)
		switch {
		case bera.ErrorCode(err) == bera.ENotFound, err == nil && u.ID != user.ID:
			return "API key revoked"
		case err != nil:
			return ""
		}
	}
	for _, id := range appIDs {
		if _, err := s.store.Role(ctx, id, user.ID); bera.ErrorCode(err) == bera.ENotFound {
			return "access to an app was removed"
		}
	}
	return ""
}

// dropWhenSlow disconnects the client as soon as the bus drops its subscription.
func (s *Server) dropWhenSlow(ctx context.Context, c *websocket.Conn, sub events.Subscription) {
	select {
	case <-ctx.Done():
	case <-sub.Done():
		if errors.Is(sub.Err(), events.ErrSlow) {
			s.log.Warn("events subscriber dropped: too slow", "user", bera.UserFrom(ctx).Email)
			c.CloseNow()
		}
	}
}

func writeEvent(ctx context.Context, c *websocket.Conn, e events.Event, app string) error {
	b, err := json.Marshal(wsEvent{Type: e.Type(), App: app, AppID: e.AppID, Time: ts(e.Time), Data: e.Payload})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, wsWriteTimeout)
	defer cancel()
	return c.Write(ctx, websocket.MessageText, b)
}

// wsAuthenticate resolves the caller from the Authorization header or, for browsers, from a
// "bera.key.KEY" subprotocol, and returns the request with the user in its context.
func (s *Server) wsAuthenticate(r *http.Request) (*http.Request, error) {
	if r.Header.Get("Authorization") == "" {
		if key := keyFromSubprotocols(r.Header.Values("Sec-WebSocket-Protocol")); key != "" {
			r = r.Clone(r.Context())
			r.Header.Set("Authorization", "Bearer "+key)
		}
	}
	user, key, err := s.authenticateKey(r)
	if err != nil {
		return nil, err
	}
	if _, ok := s.budgets.take(user.ID); !ok {
		return nil, bera.Errorf(bera.ERateLimit, "Your account reached the API rate limit. Please wait a few minutes before making new requests.")
	}
	ctx := context.WithValue(bera.WithUser(r.Context(), user), keyCtx{}, key)
	return r.WithContext(ctx), nil
}

// keyFromSubprotocols returns KEY from a "bera.key.KEY" subprotocol offer, or "".
func keyFromSubprotocols(values []string) string {
	for _, v := range values {
		for _, p := range strings.Split(v, ",") {
			if key, ok := strings.CutPrefix(strings.TrimSpace(p), keySubprotocolPrefix); ok {
				return key
			}
		}
	}
	return ""
}

// wsApps resolves the ?app= names to app IDs (id → name), each checked like appFor.
func (s *Server) wsApps(r *http.Request) (map[string]string, error) {
	names := r.URL.Query()["app"]
	if len(names) == 0 || len(names) > 50 {
		return nil, bera.Errorf(bera.EInvalid, "Name between 1 and 50 apps with ?app=NAME.")
	}
	user := bera.UserFrom(r.Context())
	out := make(map[string]string, len(names))
	for _, n := range names {
		app, err := s.store.App(r.Context(), n)
		if err != nil {
			return nil, err
		}
		if _, err := s.store.Role(r.Context(), app.ID, user.ID); err != nil {
			return nil, err
		}
		out[app.ID] = app.Name
	}
	return out, nil
}

// publish hands an event to the bus, if there is one; it never blocks.
func (s *Server) publish(e events.Event) {
	if s.cfg.Events != nil {
		e.Time = s.cfg.Now()
		s.cfg.Events.Publish(e)
	}
}

// publishFormation announces the app's changed process types, one event each.
func (s *Server) publishFormation(forms []*bera.Formation) {
	for _, f := range forms {
		s.publish(events.NewFormationChanged(f))
	}
}
