package source

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"

	"github.com/kingvon-ke/bera"
)

// Settings returns an app's source settings; an app without any gets empty ones.
func (s *Service) Settings(ctx context.Context, app *bera.App) (*bera.AppSource, error) {
	src, err := s.cfg.Store.AppSource(ctx, app.ID)
	if bera.ErrorCode(err) == bera.ENotFound {
		return &bera.AppSource{AppID: app.ID}, nil
	}
	return src, err
}

var githubRepoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$`)

// UpdateSettings validates and applies upd. EInvalid for a refused URL, a bad branch or
// repository name, or wait-for-CI without a GitHub repository.
func (s *Service) UpdateSettings(ctx context.Context, app *bera.App, upd bera.AppSourceUpdate) (*bera.AppSource, error) {
	src, err := s.Settings(ctx, app)
	if err != nil {
		return nil, err
	}
	if err := s.apply(src, upd); err != nil {
		return nil, err
	}
	if src.GitHubRepo != "" && (src.WebhookSecret == "" || upd.RotateSecret) {
		src.WebhookSecret = newSecret()
	}
	if src.GitHubRepo == "" {
		src.WebhookSecret, src.WaitForCI, src.PendingCommit = "", false, ""
	}
	if err := s.cfg.Store.PutAppSource(ctx, src); err != nil {
		return nil, err
	}
	return src, nil
}

func (s *Service) apply(src *bera.AppSource, upd bera.AppSourceUpdate) error {
	if upd.RepoURL != nil {
		if *upd.RepoURL != "" {
			if _, err := s.cfg.Fetcher.Policy.CheckURL(*upd.RepoURL); err != nil {
				return err
			}
		}
		src.RepoURL = *upd.RepoURL
	}
	if upd.Branch != nil {
		if *upd.Branch != "" {
			if err := CheckRef(*upd.Branch); err != nil {
				return err
			}
		}
		src.Branch = *upd.Branch
	}
	if upd.GitHubRepo != nil {
		if *upd.GitHubRepo != "" && !githubRepoRE.MatchString(*upd.GitHubRepo) {
			return bera.Errorf(bera.EInvalid, "GitHub repositories are named owner/name.")
		}
		src.GitHubRepo = *upd.GitHubRepo
	}
	if upd.AutoDeploy != nil {
		src.AutoDeploy = *upd.AutoDeploy
	}
	if upd.WaitForCI != nil {
		if *upd.WaitForCI && src.GitHubRepo == "" {
			return bera.Errorf(bera.EInvalid, "Waiting for CI needs a connected GitHub repository (--github owner/name).")
		}
		src.WaitForCI = *upd.WaitForCI
	}
	if src.Branch == "" && src.GitHubRepo != "" {
		src.Branch = "main"
	}
	if src.AutoDeploy && src.RepoURL == "" && src.GitHubRepo == "" {
		return bera.Errorf(bera.EInvalid, "Auto-deploy needs a repository: set --repo URL or --github owner/name.")
	}
	return nil
}

func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}
