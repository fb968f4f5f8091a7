package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
)

type buildJSON struct {
	ID              string          `json:"id"`
	App             idOnly          `json:"app"`
	Status          string          `json:"status"`
	SourceBlob      sourceBlobJSON  `json:"source_blob"`
	Buildpacks      []buildpackJSON `json:"buildpacks"`
	OutputStreamURL *string         `json:"output_stream_url"`
	Release         *idOnly         `json:"release"`
	Slug            *idOnly         `json:"slug"`
	Stack           string          `json:"stack"`
	User            idEmail         `json:"user"`
	CreatedAt       string          `json:"created_at"`
	UpdatedAt       string          `json:"updated_at"`
}

type sourceBlobJSON struct {
	URL      string  `json:"url"`
	Version  *string `json:"version"`
	Checksum *string `json:"checksum"`
}

type buildpackJSON struct {
	URL  string `json:"url"`
	Name string `json:"name"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(s string) *idOnly {
	if s == "" {
		return nil
	}
	return &idOnly{s}
}

func toBuild(b *bera.Build) buildJSON {
	j := buildJSON{ID: b.ID, App: idOnly{b.AppID}, Status: b.Status,
		SourceBlob:      sourceBlobJSON{URL: b.SourceURL, Version: optString(b.SourceVersion)},
		Buildpacks:      []buildpackJSON{},
		OutputStreamURL: optString(b.OutputStreamURL), Release: optID(b.ReleaseID), Slug: optID(b.SlugID),
		Stack: b.Stack, User: idEmail{b.UserID, b.UserEmail}, CreatedAt: ts(b.CreatedAt), UpdatedAt: ts(b.UpdatedAt)}
	for _, bp := range b.Buildpacks {
		j.Buildpacks = append(j.Buildpacks, buildpackJSON{URL: bp, Name: bp})
	}
	return j
}

func (s *Server) handleBuildList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	builds, err := s.store.ListBuilds(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := make([]buildJSON, 0, len(builds))
	for _, b := range builds {
		out = append(out, toBuild(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleBuildInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	b, err := s.store.Build(r.Context(), app.ID, r.PathValue("build"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toBuild(b))
}

type buildpackInstallationJSON struct {
	Ordinal   int           `json:"ordinal"`
	Buildpack buildpackJSON `json:"buildpack"`
}

func buildpacksJSON(bps []string) []buildpackInstallationJSON {
	out := make([]buildpackInstallationJSON, 0, len(bps))
	for i, bp := range bps {
		out = append(out, buildpackInstallationJSON{Ordinal: i, Buildpack: buildpackJSON{URL: bp, Name: bp}})
	}
	return out
}

func (s *Server) handleBuildpackList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, buildpacksJSON(app.Buildpacks))
}

type updateBuildpacksRequest struct {
	Updates []struct {
		Buildpack string `json:"buildpack"`
	} `json:"updates"`
}

func (s *Server) handleBuildpackUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req updateBuildpacksRequest
	if err := decode(r, &req, false); err != nil {
		return err
	}
	bps := make([]string, 0, len(req.Updates))
	for _, u := range req.Updates {
		if u.Buildpack == "" || len(u.Buildpack) > 2048 {
			return bera.Errorf(bera.EInvalid, "Each update needs a buildpack name or URL.")
		}
		if !s.cfg.AllowLocalBuildpacks {
			if err := bera.ValidateBuildpack(u.Buildpack); err != nil {
				return err
			}
		}
		bps = append(bps, u.Buildpack)
	}
	app, err = s.store.UpdateApp(r.Context(), app.ID, bera.AppUpdate{Buildpacks: &bps})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, buildpacksJSON(app.Buildpacks))
}

func (s *Server) handlePipelineCoupling(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := s.appFor(r); err != nil {
		return err
	}
	return bera.NotFound("pipeline coupling")
}

// handleEmptyList answers list endpoints of features Bera does not have yet (add-ons,
// spaces) with an empty list, after checking app access where there is an app.
func (s *Server) handleEmptyList(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("app") != "" {
		if _, _, err := s.appFor(r); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, []any{})
}

func (s *Server) handleStackList(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, []map[string]any{{"id": stableID("stack", bera.DefaultStack), "name": bera.DefaultStack,
		"state": "public", "default": true, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}})
}

func (s *Server) handleRegionList(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, []map[string]any{{"id": stableID("region", bera.DefaultRegion), "name": bera.DefaultRegion,
		"description": "This machine", "country": "", "locale": "", "private_capable": false,
		"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}})
}
