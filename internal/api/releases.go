package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/wire"
)

var releaseKeys = map[string]func(*bera.Release) string{
	"version":    func(r *bera.Release) string { return fmt.Sprintf("%012d", r.Version) },
	"id":         func(r *bera.Release) string { return r.ID },
	"created_at": func(r *bera.Release) string { return ts(r.CreatedAt) },
}

var releaseFields = []string{"version", "id", "created_at"}

func (s *Server) handleReleaseList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	rels, err := s.store.ListReleases(r.Context(), app.ID)
	if err != nil {
		return err
	}
	page, status, err := paginate(w, r, rels, releaseKeys, releaseFields, false)
	if err != nil {
		return err
	}
	out := make([]wire.Release, 0, len(page))
	for _, rel := range page {
		out = append(out, toRelease(rel, app))
	}
	return writeJSON(w, status, out)
}

// releaseParam resolves {release}: a UUID, a version, or "vN".
func (s *Server) releaseParam(r *http.Request, app *bera.App, p string) (*bera.Release, error) {
	if v := strings.TrimPrefix(p, "v"); v != p {
		if _, err := strconv.Atoi(v); err == nil {
			p = v
		}
	}
	return s.store.Release(r.Context(), app.ID, p)
}

func (s *Server) handleReleaseInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	rel, err := s.releaseParam(r, app, r.PathValue("release"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toRelease(rel, app))
}

func (s *Server) handleReleaseConfig(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	rel, err := s.releaseParam(r, app, r.PathValue("release"))
	if err != nil {
		return err
	}
	vars := rel.Config
	if vars == nil {
		vars = map[string]string{}
	}
	return writeJSON(w, http.StatusOK, vars)
}

// handleReleaseRollback creates vN+1 with the slug and config of an earlier release, with no
// build: `heroku rollback` and `bera releases:rollback`.
func (s *Server) handleReleaseRollback(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var req wire.ReleaseRollback
	if err := decode(r, &req, false); err != nil {
		return err
	}
	if req.Release == "" {
		return bera.Errorf(bera.EInvalid, "Missing release: send {\"release\": \"<id or version>\"}.")
	}
	target, err := s.releaseParam(r, app, req.Release)
	if err != nil {
		return err
	}
	if target.Status != bera.ReleaseSucceeded {
		return bera.Errorf(bera.EInvalid, "Release v%d has status %s and cannot be rolled back to.", target.Version, target.Status)
	}
	if err := s.checkRollbackAddons(r.Context(), target); err != nil {
		return err
	}
	ch := release.Change{Description: fmt.Sprintf("Rollback to v%d", target.Version), User: bera.UserFrom(r.Context()),
		SlugID: &target.SlugID, Config: target.Config, AddonPlanNames: target.AddonPlanNames}
	if target.SlugID != "" {
		// The old slug's process types become the formation's again, within the limits.
		sl, err := s.store.Slug(r.Context(), target.SlugID)
		if err != nil {
			return err
		}
		// A slug without process types empties the formation, rather than leaving it.
		ch.ProcessTypes = sl.ProcessTypes
		if ch.ProcessTypes == nil {
			ch.ProcessTypes = map[string]string{}
		}
	}
	rel, err := s.releases.Create(r.Context(), app, ch)
	if err != nil {
		return err
	}
	rel, err = s.store.Release(r.Context(), app.ID, rel.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toRelease(rel, app))
}
