package api

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source/github"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Sources runs deploys from Git URLs, tarballs and GitHub webhooks. *source.Service
// satisfies it. Nil answers these endpoints with 503.
type Sources interface {
	StartBuild(ctx context.Context, app *bera.App, user *bera.User, req bera.BuildRequest) (*bera.Build, error)
	Output(ctx context.Context, buildID, token string) (io.ReadCloser, error)
	Settings(ctx context.Context, app *bera.App) (*bera.AppSource, error)
	UpdateSettings(ctx context.Context, app *bera.App, upd bera.AppSourceUpdate) (*bera.AppSource, error)
	GitHubWebhook(ctx context.Context, event, signature string, body []byte) (string, error)
	WebhookURL() string
}

func (s *Server) sources() (Sources, error) {
	if s.cfg.Sources == nil {
		return nil, bera.Errorf(bera.EUnavailable, "Deploys from Git URLs and tarballs are not enabled on this server.")
	}
	return s.cfg.Sources, nil
}

// buildRequest maps Heroku's source_blob (a tarball; a URL ending in .git or a git:// URL is
// cloned) or Bera's {"git": {url, ref}}; an empty body builds the app's configured repository.
func buildRequest(req wire.BuildCreate) bera.BuildRequest {
	if b := req.SourceBlob; b != nil {
		if strings.HasSuffix(b.URL, ".git") || strings.HasPrefix(strings.ToLower(b.URL), "git://") {
			return bera.BuildRequest{Kind: bera.SourceGit, URL: b.URL, Ref: b.Version}
		}
		return bera.BuildRequest{Kind: bera.SourceTarball, URL: b.URL, Ref: b.Version, Checksum: b.Checksum}
	}
	if g := req.Git; g != nil {
		return bera.BuildRequest{Kind: bera.SourceGit, URL: g.URL, Ref: g.Ref}
	}
	return bera.BuildRequest{Kind: bera.SourceGit}
}

// handleBuildCreate starts a build in the background and answers 201 with it (pending).
func (s *Server) handleBuildCreate(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.sources()
	if err != nil {
		return err
	}
	var req wire.BuildCreate
	if err := decode(r, &req, true); err != nil {
		return err
	}
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	b, err := srcs.StartBuild(r.Context(), app, bera.UserFrom(r.Context()), buildRequest(req))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toBuild(b))
}

// handleBuildOutput streams a build's output (no auth: the URL's token is the credential).
func (s *Server) handleBuildOutput(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.sources()
	if err != nil {
		return err
	}
	rc, err := srcs.Output(r.Context(), r.PathValue("build"), r.URL.Query().Get("token"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 32<<10)
	rc2 := http.NewResponseController(w)
	for {
		n, err := rc.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			rc2.Flush()
		}
		if err != nil {
			return nil
		}
	}
}

func toAppSource(src *bera.AppSource, webhookURL string) wire.AppSource {
	j := wire.AppSource{RepoURL: src.RepoURL, Branch: src.Branch, AutoDeploy: src.AutoDeploy, WaitForCI: src.WaitForCI,
		GitHubRepo: optString(src.GitHubRepo), WebhookSecret: optString(src.WebhookSecret),
		LastCommit: optString(src.LastCommit), PendingCommit: optString(src.PendingCommit)}
	if src.GitHubRepo != "" {
		j.WebhookURL = &webhookURL
	}
	return j
}

func (s *Server) handleAppSourceInfo(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.sources()
	if err != nil {
		return err
	}
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	src, err := srcs.Settings(r.Context(), app)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAppSource(src, srcs.WebhookURL()))
}

func (s *Server) handleAppSourceUpdate(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.sources()
	if err != nil {
		return err
	}
	var req wire.AppSourceUpdate
	if err := decode(r, &req, false); err != nil {
		return err
	}
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	src, err := srcs.UpdateSettings(r.Context(), app, bera.AppSourceUpdate{RepoURL: req.RepoURL, Branch: req.Branch,
		AutoDeploy: req.AutoDeploy, WaitForCI: req.WaitForCI, GitHubRepo: req.GitHubRepo, RotateSecret: req.RotateSecret})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAppSource(src, srcs.WebhookURL()))
}

// handleGitHubWebhook takes a GitHub delivery; the signature is the authentication.
func (s *Server) handleGitHubWebhook(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.sources()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return decodeError(err)
	}
	msg, err := srcs.GitHubWebhook(r.Context(), r.Header.Get(github.EventHeader), r.Header.Get(github.SignatureHeader), body)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": strings.TrimSpace(msg)})
}
