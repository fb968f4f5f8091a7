package api

import (
	"net/http"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/wire"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleAccountInfo(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, toAccount(bera.UserFrom(r.Context())))
}

// userParam resolves {user}: "~", the caller's id or email. Other accounts are not visible
// (404), except to admins.
func (s *Server) userParam(r *http.Request) (*bera.User, error) {
	me := bera.UserFrom(r.Context())
	p := r.PathValue("user")
	if p == "~" || p == me.ID || p == me.Email {
		return me, nil
	}
	if !me.Admin {
		return nil, bera.NotFound("user")
	}
	return s.store.User(r.Context(), p)
}

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userParam(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAccount(u))
}

func toAuthorization(k *bera.APIKey, u *bera.User, token string, now time.Time) wire.Authorization {
	at := wire.AccessToken{ID: k.ID, Token: token, ExpiresAt: tsPtr(k.ExpiresAt)}
	if k.ExpiresAt != nil {
		secs := int64(k.ExpiresAt.Sub(now).Seconds())
		at.ExpiresIn = &secs
	}
	return wire.Authorization{ID: k.ID, Description: k.Description, Scope: []string{"global"},
		AccessToken: at, User: wire.IDEmail{ID: u.ID, Email: u.Email}, CreatedAt: ts(k.CreatedAt), UpdatedAt: ts(k.CreatedAt)}
}

// handleAuthorizationCreate makes a new API key for the caller: `heroku login -i` and
// `bera login` send Basic email:password here.
func (s *Server) handleAuthorizationCreate(w http.ResponseWriter, r *http.Request) error {
	var req wire.AuthorizationCreate
	if err := decode(r, &req, true); err != nil {
		return err
	}
	if len(req.Description) > 255 {
		return bera.Errorf(bera.EInvalid, "Description must be at most 255 characters.")
	}
	u := bera.UserFrom(r.Context())
	now := s.cfg.Now()
	token := secret.NewAPIKey()
	k := &bera.APIKey{UserID: u.ID, Hash: secret.HashAPIKey(token), Description: req.Description, CreatedAt: now}
	if req.ExpiresIn != nil {
		if *req.ExpiresIn <= 0 || *req.ExpiresIn > 10*365*24*3600 {
			return bera.Errorf(bera.EInvalid, "expires_in must be between 1 second and 10 years.")
		}
		exp := now.Add(time.Duration(*req.ExpiresIn) * time.Second)
		k.ExpiresAt = &exp
	}
	if err := s.store.CreateAPIKey(r.Context(), k); err != nil {
		return err
	}
	if err := s.store.TouchUserLogin(r.Context(), u.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toAuthorization(k, u, token, now))
}

func (s *Server) handleAuthorizationList(w http.ResponseWriter, r *http.Request) error {
	u := bera.UserFrom(r.Context())
	keys, err := s.store.ListAPIKeys(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]wire.Authorization, 0, len(keys))
	for _, k := range keys {
		out = append(out, toAuthorization(k, u, "", s.cfg.Now()))
	}
	return writeJSON(w, http.StatusOK, out)
}

// keyParam resolves {id}: "~" is the key the request used.
func (s *Server) keyParam(r *http.Request) (*bera.APIKey, error) {
	u := bera.UserFrom(r.Context())
	id := r.PathValue("id")
	if id == "~" {
		if k := callerKey(r.Context()); k != nil {
			return k, nil
		}
		return nil, bera.NotFound("authorization")
	}
	keys, err := s.store.ListAPIKeys(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
	}
	return nil, bera.NotFound("authorization")
}

func (s *Server) handleAuthorizationInfo(w http.ResponseWriter, r *http.Request) error {
	k, err := s.keyParam(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAuthorization(k, bera.UserFrom(r.Context()), "", s.cfg.Now()))
}

func (s *Server) handleAuthorizationDelete(w http.ResponseWriter, r *http.Request) error {
	k, err := s.keyParam(r)
	if err != nil {
		return err
	}
	u := bera.UserFrom(r.Context())
	if err := s.store.DeleteAPIKey(r.Context(), u.ID, k.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAuthorization(k, u, "", s.cfg.Now()))
}

func (s *Server) handleSessionDelete(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{})
}
