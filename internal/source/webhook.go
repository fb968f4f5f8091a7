package source

import (
	"context"
	"fmt"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source/github"
)

// GitHubWebhook handles one delivery: event is the X-GitHub-Event header and signature the
// X-Hub-Signature-256 header. It acts for every app connected to the repository whose
// secret verifies the signature: ping is answered, a push to the tracked branch deploys
// (or, with wait-for-CI, waits), and a successful status or check of the waiting commit
// deploys it. It returns one line per app saying what it did. EUnauthorized when no
// connected app accepts the signature; EBadRequest for an unreadable payload.
func (s *Service) GitHubWebhook(ctx context.Context, event, signature string, body []byte) (string, error) {
	ev, err := github.ParseEvent(event, body)
	if err != nil || ev.Repo == "" {
		return "", bera.Errorf(bera.EBadRequest, "The payload is not a GitHub %q event with a repository.", event)
	}
	srcs, err := s.cfg.Store.AppSourcesByGitHubRepo(ctx, ev.Repo)
	if err != nil {
		return "", err
	}
	var lines []string
	for _, src := range srcs {
		if !github.VerifySignature([]byte(src.WebhookSecret), body, signature) {
			continue
		}
		line, err := s.handleEvent(ctx, src, ev)
		if err != nil {
			return "", err
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		return "", bera.Errorf(bera.EUnauthorized, "No app connected to this repository accepts that signature.")
	}
	return strings.Join(lines, "\n") + "\n", nil
}

func (s *Service) handleEvent(ctx context.Context, src *bera.AppSource, ev *github.Event) (string, error) {
	app, err := s.cfg.Store.App(ctx, src.AppID)
	if err != nil {
		return "", err
	}
	switch {
	case ev.Kind == "ping":
		return app.Name + ": pong", nil
	case ev.Kind == "push" && !ev.Deleted && ev.OnBranch(src.Branch) && isCommit(ev.Commit):
		if src.WaitForCI {
			if err := s.cfg.Store.SetSourceCommits(ctx, app.ID, nil, &ev.Commit); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s: %s waits for CI", app.Name, short(ev.Commit)), nil
		}
		return s.deployEvent(ctx, app, src, ev)
	case ev.Kind == "status" || strings.HasPrefix(ev.Kind, "check_"):
		if !src.WaitForCI || ev.Commit != src.PendingCommit || src.PendingCommit == "" {
			return app.Name + ": ignored (not the commit waiting for CI)", nil
		}
		if !ev.Success {
			return fmt.Sprintf("%s: %s is still waiting for a successful check", app.Name, short(ev.Commit)), nil
		}
		if err := s.cfg.Store.SetSourceCommits(ctx, app.ID, nil, new(string)); err != nil {
			return "", err
		}
		return s.deployEvent(ctx, app, src, ev)
	}
	return app.Name + ": ignored", nil
}

// deployEvent builds ev.Commit of the tracked branch as the app's owner.
func (s *Service) deployEvent(ctx context.Context, app *bera.App, src *bera.AppSource, ev *github.Event) (string, error) {
	owner, err := s.cfg.Store.User(ctx, app.OwnerID)
	if err != nil {
		return "", err
	}
	url := src.RepoURL
	if url == "" {
		url = ev.CloneURL
	}
	b, err := s.StartBuild(ctx, app, owner, bera.BuildRequest{Kind: bera.SourceGit, URL: url, Ref: src.Branch, Commit: ev.Commit})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s: deploying %s (build %s)", app.Name, short(ev.Commit), b.ID), nil
}
