package api

import (
	"net/http"
	goruntime "runtime"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func (s *Server) handleSlugInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	sl, err := s.store.AppSlug(r.Context(), app.ID, r.PathValue("slug"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSlug(sl))
}

func (s *Server) handleOCIImageInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	sl, err := s.store.AppSlug(r.Context(), app.ID, r.PathValue("image"))
	if err != nil && bera.ErrorCode(err) != bera.ENotFound {
		return err
	}
	if err != nil || sl.Image == "" {
		return bera.Errorf(bera.ENotFound, "Couldn't find that OCI image.")
	}
	return writeJSON(w, http.StatusOK, toOCIImage(sl))
}

func toSlug(sl *bera.Slug) wire.Slug {
	j := wire.Slug{ID: sl.ID, BuildpackProvidedDescription: optString(sl.BuildpackDesc), Checksum: optString(sl.Checksum),
		Commit: optString(sl.Commit), CommitDescription: optString(sl.CommitDescription), ProcessTypes: sl.ProcessTypes,
		Stack: catalogRef("stack", sl.Stack), CreatedAt: ts(sl.CreatedAt), UpdatedAt: ts(sl.UpdatedAt)}
	if sl.Image == "" {
		j.Size = &sl.Size
	} else {
		j.OCIImage = &wire.OCIImageRef{ID: sl.ID, Digest: sl.Image}
	}
	if j.ProcessTypes == nil {
		j.ProcessTypes = map[string]string{}
	}
	return j
}

func toOCIImage(sl *bera.Slug) wire.OCIImage {
	j := wire.OCIImage{ID: sl.ID, Digest: sl.Image, Architecture: goruntime.GOARCH, Commit: sl.Commit,
		CommitDescription: sl.CommitDescription, Stack: catalogRef("stack", sl.Stack),
		ProcessTypes: map[string]wire.OCIProcessType{}, Buildpacks: []wire.OCIImageBuildpack{},
		CreatedAt: ts(sl.CreatedAt), UpdatedAt: ts(sl.UpdatedAt)}
	for t, cmd := range sl.ProcessTypes {
		j.ProcessTypes[t] = wire.OCIProcessType{Name: t, DisplayCmd: cmd}
	}
	for _, bp := range sl.Buildpacks {
		id, version, _ := strings.Cut(bp, "@")
		j.Buildpacks = append(j.Buildpacks, wire.OCIImageBuildpack{ID: id, Version: version})
	}
	return j
}
