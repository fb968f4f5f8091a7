package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
)

type dynoJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	State     string  `json:"state"`
	Command   string  `json:"command"`
	Size      string  `json:"size"`
	AttachURL *string `json:"attach_url"`
	Release   struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	} `json:"release"`
	App       idName `json:"app"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toDyno(d bera.Dyno, app *bera.App) dynoJSON {
	j := dynoJSON{ID: d.ID, Name: d.Name, Type: d.Type, State: d.State, Command: d.Command, Size: d.Size,
		AttachURL: optString(d.AttachURL), App: idName{app.ID, app.Name}, CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt)}
	j.Release.ID, j.Release.Version = d.ReleaseID, d.ReleaseVersion
	return j
}

func (s *Server) handleDynoList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	ds := s.cfg.Dynos.Dynos(app.ID)
	out := make([]dynoJSON, 0, len(ds))
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
