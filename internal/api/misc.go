package api

import (
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(s string) *wire.IDOnly {
	if s == "" {
		return nil
	}
	return &wire.IDOnly{ID: s}
}

func toBuild(b *bera.Build) wire.Build {
	j := wire.Build{ID: b.ID, App: wire.IDOnly{ID: b.AppID}, Status: b.Status,
		SourceBlob:      wire.SourceBlob{URL: b.SourceURL, Version: optString(b.SourceVersion)},
		Buildpacks:      []wire.Buildpack{},
		OutputStreamURL: optString(b.OutputStreamURL), Release: optID(b.ReleaseID), Slug: optID(b.SlugID),
		Stack: b.Stack, User: wire.IDEmail{ID: b.UserID, Email: b.UserEmail}, CreatedAt: ts(b.CreatedAt), UpdatedAt: ts(b.UpdatedAt)}
	for _, bp := range b.Buildpacks {
		j.Buildpacks = append(j.Buildpacks, wire.Buildpack{URL: bp, Name: bp})
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
	out := make([]wire.Build, 0, len(builds))
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

func buildpacksJSON(bps []string) []wire.BuildpackInstallation {
	out := make([]wire.BuildpackInstallation, 0, len(bps))
	for i, bp := range bps {
		out = append(out, wire.BuildpackInstallation{Ordinal: i, Buildpack: wire.Buildpack{URL: bp, Name: bp}})
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

func (s *Server) handleBuildpackUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.BuildpackInstallationsUpdate
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

// catalogTime is the created_at and updated_at of catalog objects (stacks, regions).
const catalogTime = "2026-01-01T00:00:00Z"

func (s *Server) handleStackList(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, []wire.Stack{{ID: stableID("stack", bera.DefaultStack), Name: bera.DefaultStack,
		State: "public", Default: true, CreatedAt: catalogTime, UpdatedAt: catalogTime}})
}

func (s *Server) handleRegionList(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, []wire.Region{{ID: stableID("region", bera.DefaultRegion), Name: bera.DefaultRegion,
		Description: "This machine", CreatedAt: catalogTime, UpdatedAt: catalogTime}})
}
