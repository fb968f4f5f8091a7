package source

import (
	"context"
	"time"

	"github.com/kingvon-ke/bera"
)

// Run polls the tracked branch of every app with auto-deploy on and no GitHub connection
// (those deploy through webhooks) every PollInterval, and deploys new commits. It returns
// when ctx is done.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			s.PollOnce(ctx)
		}
	}
}

// PollOnce checks every polled branch once and starts a build for each that has a commit
// other than the last one built. It returns the builds it started. Apps with a build
// already running are skipped until the next poll. Failures are logged, not returned.
func (s *Service) PollOnce(ctx context.Context) []*bera.Build {
	srcs, err := s.cfg.Store.AutoDeploySources(ctx)
	if err != nil {
		s.log.Warn("poll: list sources", "err", err)
		return nil
	}
	var started []*bera.Build
	for _, src := range srcs {
		s.mu.Lock()
		busy := s.apps[src.AppID] != nil
		s.mu.Unlock()
		if src.GitHubRepo != "" || busy {
			continue
		}
		head, err := s.cfg.Fetcher.Head(ctx, src.RepoURL, src.Branch)
		if err != nil || head == src.LastCommit {
			if err != nil {
				s.log.Info("poll: check branch", "app", src.AppID, "err", bera.ErrorMessage(err))
			}
			continue
		}
		if b := s.pollDeploy(ctx, src.AppID, src.RepoURL, src.Branch, head); b != nil {
			started = append(started, b)
		}
	}
	return started
}

func (s *Service) pollDeploy(ctx context.Context, appID, repo, branch, head string) *bera.Build {
	app, err := s.cfg.Store.App(ctx, appID)
	if err != nil {
		return nil
	}
	owner, err := s.cfg.Store.User(ctx, app.OwnerID)
	if err != nil {
		return nil
	}
	b, err := s.StartBuild(ctx, app, owner, bera.BuildRequest{Kind: bera.SourceGit, URL: repo, Ref: branch, Commit: head})
	if err != nil {
		s.log.Warn("poll: start build", "app", app.Name, "err", err)
		return nil
	}
	return b
}
