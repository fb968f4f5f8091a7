package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func toFeature(f bera.AppFeature, app *bera.App) wire.Feature {
	return wire.Feature{ID: stableID("feature", f.Name), Name: f.Name, Description: f.Description,
		DocURL: "/docs#features", Enabled: f.Enabled, State: "general", DisplayName: f.Name,
		CreatedAt: ts(app.CreatedAt), UpdatedAt: ts(app.UpdatedAt)}
}

// features returns the app's features. "maintenance" is the app's maintenance flag itself,
// so PATCH /apps/{app} and the feature always agree.
func (s *Server) features(r *http.Request, app *bera.App) ([]bera.AppFeature, error) {
	fs, err := s.store.AppFeatures(r.Context(), app.ID)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		if fs[i].Name == "maintenance" {
			fs[i].Enabled = app.Maintenance
		}
	}
	return fs, nil
}

func (s *Server) handleFeatureList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	fs, err := s.features(r, app)
	if err != nil {
		return err
	}
	out := make([]wire.Feature, 0, len(fs))
	for _, f := range fs {
		out = append(out, toFeature(f, app))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) feature(r *http.Request, app *bera.App) (bera.AppFeature, error) {
	fs, err := s.features(r, app)
	if err != nil {
		return bera.AppFeature{}, err
	}
	for _, f := range fs {
		if f.Name == r.PathValue("feature") || stableID("feature", f.Name) == r.PathValue("feature") {
			return f, nil
		}
	}
	return bera.AppFeature{}, bera.NotFound("feature")
}

func (s *Server) handleFeatureInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	f, err := s.feature(r, app)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toFeature(f, app))
}

func (s *Server) handleFeatureUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	f, err := s.feature(r, app)
	if err != nil {
		return err
	}
	var req wire.FeatureUpdate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if req.Enabled == nil {
		return bera.Errorf(bera.EInvalid, "Missing enabled: send {\"enabled\": true}.")
	}
	if f.Name == "maintenance" {
		_, err = s.store.UpdateApp(r.Context(), app.ID, bera.AppUpdate{Maintenance: req.Enabled})
	} else {
		err = s.store.SetAppFeature(r.Context(), app.ID, f.Name, *req.Enabled)
	}
	if err != nil {
		return err
	}
	s.routesChanged(app.ID)
	f.Enabled = *req.Enabled
	return writeJSON(w, http.StatusOK, toFeature(f, app))
}
