package api

import (
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func (s *Server) handleCollaboratorList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	cs, err := s.store.ListCollaborators(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := make([]wire.Collaborator, 0, len(cs))
	for _, c := range cs {
		out = append(out, toCollaborator(c, app))
	}
	return writeJSON(w, http.StatusOK, out)
}

// handleCollaboratorCreate gives an existing user access to the app. Only the owner manages
// collaborators.
func (s *Server) handleCollaboratorCreate(w http.ResponseWriter, r *http.Request) error {
	app, role, err := s.appFor(r)
	if err != nil {
		return err
	}
	if err := ownerOnly(role, "add collaborators"); err != nil {
		return err
	}
	var req wire.CollaboratorCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if req.User == "" {
		return bera.Errorf(bera.EInvalid, "Missing user: send {\"user\": \"email@example.com\"}.")
	}
	u, err := s.store.User(r.Context(), req.User)
	if bera.ErrorCode(err) == bera.ENotFound {
		return &bera.Error{Code: bera.ENotFound, Resource: "user", Message: "Couldn't find that user. Ask an admin to create the account first (bera admin users:create)."}
	} else if err != nil {
		return err
	}
	c, err := s.store.AddCollaborator(r.Context(), app.ID, u.ID)
	if err != nil {
		return err
	}
	c.UserEmail = u.Email
	return writeJSON(w, http.StatusCreated, toCollaborator(c, app))
}

// collaboratorParam finds {collaborator} by email, user id or collaborator id.
func (s *Server) collaboratorParam(r *http.Request, app *bera.App) (*bera.Collaborator, error) {
	cs, err := s.store.ListCollaborators(r.Context(), app.ID)
	if err != nil {
		return nil, err
	}
	p := r.PathValue("collaborator")
	for _, c := range cs {
		if c.ID == p || c.UserID == p || strings.EqualFold(c.UserEmail, p) {
			return c, nil
		}
	}
	return nil, bera.NotFound("collaborator")
}

func (s *Server) handleCollaboratorInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	c, err := s.collaboratorParam(r, app)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCollaborator(c, app))
}

// handleCollaboratorDelete removes a collaborator: the owner may remove anyone but
// themselves; a collaborator may remove only themselves.
func (s *Server) handleCollaboratorDelete(w http.ResponseWriter, r *http.Request) error {
	app, role, err := s.appFor(r)
	if err != nil {
		return err
	}
	c, err := s.collaboratorParam(r, app)
	if err != nil {
		return err
	}
	if c.UserID != bera.UserFrom(r.Context()).ID {
		if err := ownerOnly(role, "remove collaborators"); err != nil {
			return err
		}
	}
	if err := s.store.RemoveCollaborator(r.Context(), app.ID, c.UserID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCollaborator(c, app))
}
