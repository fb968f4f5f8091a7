package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

var appKeys = map[string]func(*bera.App) string{
	"name":       func(a *bera.App) string { return a.Name },
	"id":         func(a *bera.App) string { return a.ID },
	"created_at": func(a *bera.App) string { return ts(a.CreatedAt) },
	"updated_at": func(a *bera.App) string { return ts(a.UpdatedAt) },
}

var appFields = []string{"name", "id", "created_at", "updated_at"}

// appFor loads the {app} of the request and checks that the caller owns or collaborates on
// it. An app the caller cannot see is reported as not found, so names do not leak.
func (s *Server) appFor(r *http.Request) (*bera.App, string, error) {
	app, err := s.store.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return nil, "", err
	}
	role, err := s.store.Role(r.Context(), app.ID, bera.UserFrom(r.Context()).ID)
	if err != nil {
		return nil, "", err
	}
	return app, role, nil
}

// ownerOnly returns EForbidden unless role is the owner's.
func ownerOnly(role, action string) error {
	if role != bera.RoleOwner {
		return bera.Errorf(bera.EForbidden, "You must be the app owner to %s.", action)
	}
	return nil
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request, userID string) error {
	apps, err := s.store.ListApps(r.Context(), userID)
	if err != nil {
		return err
	}
	page, status, err := paginate(w, r, apps, appKeys, appFields, false)
	if err != nil {
		return err
	}
	out := make([]wire.App, 0, len(page))
	for _, a := range page {
		out = append(out, s.toApp(a, r))
	}
	return writeJSON(w, status, out)
}

func (s *Server) handleAppList(w http.ResponseWriter, r *http.Request) error {
	return s.listApps(w, r, bera.UserFrom(r.Context()).ID)
}

func (s *Server) handleUserAppList(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userParam(r)
	if err != nil {
		return err
	}
	return s.listApps(w, r, u.ID)
}

// handleAppCreate creates an app with v1 "Initial release". Without a name it generates one.
func (s *Server) handleAppCreate(w http.ResponseWriter, r *http.Request) error {
	var req wire.AppCreate
	if err := decode(r, &req, true); err != nil {
		return err
	}
	app := &bera.App{OwnerID: bera.UserFrom(r.Context()).ID, Region: bera.DefaultRegion,
		Stack: bera.DefaultStack, BuildStack: bera.DefaultStack}
	if req.Region != nil && *req.Region != bera.DefaultRegion {
		return &bera.Error{Code: bera.EInvalid, Resource: "region", Message: "Region " + *req.Region + " is not available. Available regions: " + bera.DefaultRegion + "."}
	}
	if req.Stack != nil && *req.Stack != bera.DefaultStack {
		return &bera.Error{Code: bera.EInvalid, Resource: "stack", Message: "Stack " + *req.Stack + " is not available. Available stacks: " + bera.DefaultStack + "."}
	}
	if err := s.placeInSpace(r, app, req); err != nil {
		return err
	}
	if req.Name != nil && *req.Name != "" {
		if err := bera.ValidateAppName(*req.Name); err != nil {
			return err
		}
		app.Name = *req.Name
		if _, err := s.store.CreateApp(r.Context(), app); err != nil {
			return err
		}
	} else if err := s.createGeneratedApp(r, app); err != nil {
		return err
	}
	s.routesChanged(app.ID)
	app, err := s.store.App(r.Context(), app.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, s.toApp(app, r))
}

// createGeneratedApp retries generated names a few times in case one is taken.
func (s *Server) createGeneratedApp(r *http.Request, app *bera.App) error {
	var err error
	for range 5 {
		app.Name = bera.GenerateAppName()
		if _, err = s.store.CreateApp(r.Context(), app); bera.ErrorCode(err) != bera.EInvalid {
			return err
		}
	}
	return err
}

func (s *Server) handleAppInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	j := s.toApp(app, r)
	// `certs:auto` reads acm from the app; lists leave it false to spare a query per app.
	if ds, ok := s.store.(DomainStore); ok {
		if j.ACM, err = ds.ACM(r.Context(), app.ID); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) handleAppUpdate(w http.ResponseWriter, r *http.Request) error {
	app, role, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.AppUpdate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	upd := bera.AppUpdate{Maintenance: req.Maintenance, BootTimeout: req.BootTimeout}
	if t := req.BootTimeout; t != nil && (*t < 0 || *t > bera.MaxBootTimeout) {
		return bera.Errorf(bera.EInvalid, "boot_timeout must be between 1 and %d seconds (0 restores the default of 60).", bera.MaxBootTimeout)
	}
	if req.Name != nil && *req.Name != app.Name {
		if err := ownerOnly(role, "rename it"); err != nil {
			return err
		}
		if err := bera.ValidateAppName(*req.Name); err != nil {
			return err
		}
		upd.Name = req.Name
	}
	if req.BuildStack != nil {
		if *req.BuildStack != bera.DefaultStack {
			return &bera.Error{Code: bera.EInvalid, Resource: "stack", Message: "Stack " + *req.BuildStack + " is not available. Available stacks: " + bera.DefaultStack + "."}
		}
		upd.BuildStack = req.BuildStack
	}
	app, err = s.store.UpdateApp(r.Context(), app.ID, upd)
	if err != nil {
		return err
	}
	s.routesChanged(app.ID)
	return writeJSON(w, http.StatusOK, s.toApp(app, r))
}

func (s *Server) handleAppDelete(w http.ResponseWriter, r *http.Request) error {
	app, role, err := s.appFor(r)
	if err != nil {
		return err
	}
	if err := ownerOnly(role, "delete it"); err != nil {
		return err
	}
	if err := s.destroyAppAddons(r.Context(), app, bera.UserFrom(r.Context())); err != nil {
		return err
	}
	if err := s.store.DeleteApp(r.Context(), app.ID); err != nil {
		return err
	}
	s.cfg.Dynos.Converge(app.ID) // its dynos stop now, not at the next resync
	s.routesChanged(app.ID)
	return writeJSON(w, http.StatusOK, s.toApp(app, r))
}
