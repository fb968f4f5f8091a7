package api

import (
	"context"
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// SpaceStore is what the Private Spaces endpoints need from the store.
type SpaceStore interface {
	CreateSpace(ctx context.Context, sp *bera.Space) error
	Space(ctx context.Context, idOrName string) (*bera.Space, error)
	ListSpaces(ctx context.Context, userID string) ([]*bera.Space, error)
	DeleteSpace(ctx context.Context, id string) error
}

// SpaceNetworks makes a space's network real: its bridge, rules and DNS resolver. Up is
// called once the space is stored and at every server start; Down once it is deleted.
type SpaceNetworks interface {
	Up(ctx context.Context, sp *bera.Space) error
	Down(ctx context.Context, sp *bera.Space) error
}

// spaces returns the store and networks behind Private Spaces, or why there are none.
func (s *Server) spaces() (SpaceStore, error) {
	ss, ok := s.store.(SpaceStore)
	if !ok || s.cfg.Spaces == nil {
		return nil, &bera.Error{Code: bera.EInvalid, Resource: "space",
			Message: "Private Spaces need dynos with networks of their own: start the server with --runtime runc."}
	}
	return ss, nil
}

// spaceFor finds the {space} of the path for the current user: its owner, or a
// collaborator on one of its apps. Others get a 404, as for apps.
func (s *Server) spaceFor(r *http.Request, key string) (*bera.Space, SpaceStore, error) {
	ss, err := s.spaces()
	if err != nil {
		return nil, nil, err
	}
	sp, err := ss.Space(r.Context(), key)
	if err != nil {
		return nil, nil, err
	}
	user := bera.UserFrom(r.Context())
	if sp.OwnerID == user.ID {
		return sp, ss, nil
	}
	visible, err := ss.ListSpaces(r.Context(), user.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, v := range visible {
		if v.ID == sp.ID {
			return sp, ss, nil
		}
	}
	return nil, nil, bera.NotFound("space")
}

func (s *Server) toSpace(sp *bera.Space) wire.Space {
	return wire.Space{ID: sp.ID, Name: sp.Name, CIDR: sp.CIDR.String(), DataCIDR: sp.CIDR.String(), State: "allocated",
		Region: catalogRef("region", bera.DefaultRegion), Team: wire.IDName{ID: sp.OwnerID, Name: sp.OwnerEmail},
		Owner: wire.IDEmail{ID: sp.OwnerID, Email: sp.OwnerEmail}, CreatedAt: ts(sp.CreatedAt), UpdatedAt: ts(sp.UpdatedAt),
		Gateway: sp.CIDR.Addr().Next().String()}
}

func (s *Server) handleSpaceList(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.spaces()
	if err != nil {
		// The Heroku CLI lists spaces along with other things: none here.
		return writeJSON(w, http.StatusOK, []wire.Space{})
	}
	list, err := ss.ListSpaces(r.Context(), bera.UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	out := make([]wire.Space, 0, len(list))
	for _, sp := range list {
		out = append(out, s.toSpace(sp))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleSpaceCreate(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.spaces()
	if err != nil {
		return err
	}
	var req wire.SpaceCreate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if err := bera.ValidateSpaceName(req.Name); err != nil {
		return err
	}
	if req.Region != nil && *req.Region != bera.DefaultRegion {
		return &bera.Error{Code: bera.EInvalid, Resource: "region", Message: "Region " + *req.Region + " is not available. Available regions: " + bera.DefaultRegion + "."}
	}
	if req.Shield != nil && *req.Shield {
		return &bera.Error{Code: bera.EInvalid, Resource: "space", Message: "Shield spaces are not available on this server."}
	}
	sp := &bera.Space{Name: req.Name, OwnerID: bera.UserFrom(r.Context()).ID}
	if req.CIDR != nil && *req.CIDR != "" {
		if sp.CIDR, err = bera.ParseSpaceCIDR(*req.CIDR); err != nil {
			return err
		}
		if s.cfg.CommonNetwork.IsValid() && s.cfg.CommonNetwork.Overlaps(sp.CIDR) {
			return &bera.Error{Code: bera.EInvalid, Resource: "space", Message: "CIDR " + sp.CIDR.String() + " overlaps the common runtime's network " + s.cfg.CommonNetwork.String() + "."}
		}
	}
	if err := ss.CreateSpace(r.Context(), sp); err != nil {
		return err
	}
	if err := s.cfg.Spaces.Up(r.Context(), sp); err != nil {
		// Without its network the space is of no use: take it back, say why.
		ss.DeleteSpace(context.WithoutCancel(r.Context()), sp.ID)
		return err
	}
	if sp, err = ss.Space(r.Context(), sp.ID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s.toSpace(sp))
}

func (s *Server) handleSpaceInfo(w http.ResponseWriter, r *http.Request) error {
	sp, _, err := s.spaceFor(r, r.PathValue("space"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSpace(sp))
}

func (s *Server) handleSpaceDelete(w http.ResponseWriter, r *http.Request) error {
	sp, ss, err := s.spaceFor(r, r.PathValue("space"))
	if err != nil {
		return err
	}
	if sp.OwnerID != bera.UserFrom(r.Context()).ID {
		return &bera.Error{Code: bera.EForbidden, Message: "Only the space's owner can destroy it."}
	}
	if err := ss.DeleteSpace(r.Context(), sp.ID); err != nil {
		return err
	}
	if err := s.cfg.Spaces.Down(r.Context(), sp); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSpace(sp))
}

// placeInSpace checks that the user may put a new app in the named space and sets it.
func (s *Server) placeInSpace(r *http.Request, app *bera.App, req wire.AppCreate) error {
	internal := req.InternalRouting != nil && *req.InternalRouting
	if req.Space == nil || *req.Space == "" {
		if internal {
			return &bera.Error{Code: bera.EInvalid, Resource: "app", Message: "Internal routing is only for apps in a Private Space; give --space."}
		}
		return nil
	}
	sp, _, err := s.spaceFor(r, *req.Space)
	if err != nil {
		return err
	}
	app.SpaceID, app.InternalRouting = sp.ID, internal
	return nil
}
