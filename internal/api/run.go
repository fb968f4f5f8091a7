package api

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Runs runs one-off dynos (`heroku run`, `bera run`).
type Runs interface {
	// Create starts a detached one-off dyno, or prepares an attached one whose AttachURL
	// (rendezvous://HOST:PORT/SECRET) lets one client attach. host is the host name the client
	// reached the API by, for the attach URL. Errors: EInvalid for bad options or an app
	// with no code.
	Create(ctx context.Context, app *bera.App, host string, o RunOptions) (bera.Dyno, error)
	// ServeAttach connects the request, upgraded to a WebSocket, to the attached one-off dyno
	// name of app whose attach secret is secret. It returns an error (ENotFound for a wrong
	// or used secret) only before the upgrade.
	ServeAttach(w http.ResponseWriter, r *http.Request, app *bera.App, name, secret string) error
}

// RunOptions are the options of a one-off dyno.
type RunOptions struct {
	Command    string
	Env        map[string]string
	Size, Type string
	// Attach waits for a client; TTY gives the dyno a terminal then.
	Attach, TTY bool
	// User is the caller's email, for the log line.
	User string
}

// AttachSecretHeader carries the secret of attach_url on the WebSocket attach request.
const AttachSecretHeader = "Bera-Attach-Secret"

// handleDynoCreate runs a one-off dyno: POST /apps/{app}/dynos (`heroku run`,
// `heroku run:detached`, `bera run`).
func (s *Server) handleDynoCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.DynoCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	env, err := envStrings(req.Env)
	if err != nil {
		return err
	}
	if req.Size != "" {
		if _, err := s.cfg.FormationLimits.CheckSize(req.Size); err != nil {
			return err
		}
	}
	if s.cfg.Runs == nil {
		return bera.Errorf(bera.EUnavailable, "One-off dynos are not available on this server.")
	}
	noTTY := req.ForceNoTTY != nil && *req.ForceNoTTY
	d, err := s.cfg.Runs.Create(r.Context(), app, requestHost(r), RunOptions{Command: req.Command, Env: env, Size: req.Size,
		Type: req.Type, Attach: req.Attach, TTY: req.Attach && !noTTY, User: bera.UserFrom(r.Context()).Email})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toDyno(d, app))
}

// handleDynoAttach attaches `bera run` to a one-off dyno over a WebSocket.
func (s *Server) handleDynoAttach(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	secret := r.Header.Get(AttachSecretHeader)
	switch {
	case s.cfg.Runs == nil:
		return bera.Errorf(bera.EUnavailable, "One-off dynos are not available on this server.")
	case secret == "":
		return bera.Errorf(bera.EBadRequest, "Send the secret of attach_url in the %s header.", AttachSecretHeader)
	}
	return s.cfg.Runs.ServeAttach(w, r, app, r.PathValue("dyno"), secret)
}

// envStrings turns the env object into strings: the Heroku CLI may send COLUMNS and LINES
// as numbers. null drops a key. Names and values follow the config var rules.
func envStrings(raw map[string]json.RawMessage) (map[string]string, error) {
	env := make(map[string]string, len(raw))
	for k, v := range raw {
		var val any
		if err := json.Unmarshal(v, &val); err != nil {
			return nil, bera.Errorf(bera.EInvalid, "env.%s is not valid JSON.", k)
		}
		if err := bera.ValidateConfigVar(k, new(string)); err != nil {
			return nil, err
		}
		switch x := val.(type) {
		case nil:
		case string:
			if err := bera.ValidateConfigVar(k, &x); err != nil {
				return nil, err
			}
			env[k] = x
		case float64:
			env[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			env[k] = strconv.FormatBool(x)
		default:
			return nil, bera.Errorf(bera.EInvalid, "env.%s must be a string, a number or a boolean.", k)
		}
	}
	return env, nil
}

// requestHost is the host name (no port) the client used to reach the API.
func requestHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		return r.Host
	}
	return host
}
