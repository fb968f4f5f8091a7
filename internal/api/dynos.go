package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func toDyno(d bera.Dyno, app *bera.App) wire.Dyno {
	return wire.Dyno{ID: d.ID, Name: d.Name, Type: d.Type, State: d.State, Command: d.Command, Size: d.Size,
		AttachURL: optString(d.AttachURL), Release: wire.DynoRelease{ID: d.ReleaseID, Version: d.ReleaseVersion}, App: appRef(app),
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
}

func (s *Server) handleDynoList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds := s.cfg.Dynos.Dynos(app.ID)
	out := make([]wire.Dyno, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDyno(d, app))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleDynoInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	for _, d := range s.cfg.Dynos.Dynos(app.ID) {
		if d.Name == r.PathValue("dyno") || d.ID == r.PathValue("dyno") {
			return writeJSON(w, http.StatusOK, toDyno(d, app))
		}
	}
	return bera.NotFound("dyno")
}

// handleDynoRestart restarts all dynos (`ps:restart`), one dyno (`ps:restart web.1`) or a
// process type (`ps:restart -p web`, DELETE /apps/{app}/formations/{type}).
func (s *Server) handleDynoRestart(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	target := r.PathValue("dyno")
	if t := r.PathValue("type"); t != "" {
		target = t
	}
	s.cfg.Dynos.Restart(app.ID, target)
	return writeJSON(w, http.StatusAccepted, map[string]any{})
}
