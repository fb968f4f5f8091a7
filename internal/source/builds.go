package source

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/deploy"
)

// StartBuild records a pending build of app by user and runs it in the background: fetch,
// then deploy. It returns at once with the build, whose OutputStreamURL streams the output.
// EInvalid for a URL or ref the policy refuses; the fetch's own failures end up in the
// build's output and status.
func (s *Service) StartBuild(ctx context.Context, app *bera.App, user *bera.User, req bera.BuildRequest) (*bera.Build, error) {
	req, err := s.resolve(ctx, app, req)
	if err != nil {
		return nil, err
	}
	id := uuid.NewString()
	b := &bera.Build{ID: id, AppID: app.ID, Status: bera.BuildPending, SourceURL: quoteURL(req.URL), SourceVersion: req.Ref,
		Buildpacks: app.Buildpacks, UserID: user.ID, UserEmail: user.Email, Stack: app.BuildStack, OutputStreamURL: s.outputURL(id)}
	l, err := newLiveLog(s.outputPath(id))
	if err != nil {
		return nil, err
	}
	if err := s.cfg.Store.CreateBuild(ctx, b); err != nil {
		l.finish()
		return nil, err
	}
	s.mu.Lock()
	s.live[id] = l
	queue := s.appBuildsLocked(app.ID)
	queue.n++
	s.mu.Unlock()
	preset := *b
	s.wg.Go(func() {
		queue.mu.Lock()
		defer queue.mu.Unlock()
		s.run(app, user, req, &preset, l)
	})
	return b, nil
}

// resolve fills a git request from the app's settings and checks it against the policy.
func (s *Service) resolve(ctx context.Context, app *bera.App, req bera.BuildRequest) (bera.BuildRequest, error) {
	switch req.Kind {
	case bera.SourceTarball:
		if req.URL == "" {
			return req, bera.Errorf(bera.EInvalid, "source_blob.url is required.")
		}
		_, err := s.cfg.Fetcher.checkTarballURL(req.URL)
		return req, err
	case bera.SourceGit:
	default:
		return req, bera.Errorf(bera.EInvalid, "Unknown source kind %q: use git or tarball.", req.Kind)
	}
	if req.URL == "" {
		src, err := s.cfg.Store.AppSource(ctx, app.ID)
		if err != nil || src.RepoURL == "" {
			return req, bera.Errorf(bera.EInvalid, "The app has no repository: give a Git URL, or set one with `bera apps:source --repo URL`.")
		}
		req.URL = src.RepoURL
		if req.Ref == "" {
			req.Ref = src.Branch
		}
	}
	if _, err := s.cfg.Fetcher.Policy.CheckURL(req.URL); err != nil {
		return req, err
	}
	if req.Ref != "" {
		return req, CheckRef(req.Ref)
	}
	return req, nil
}

// appBuildsLocked returns the queue of appID's builds, making one if it has none.
func (s *Service) appBuildsLocked(appID string) *appBuilds {
	q := s.apps[appID]
	if q == nil {
		q = &appBuilds{}
		s.apps[appID] = q
	}
	return q
}

// run fetches and deploys one build, then records how it ended.
func (s *Service) run(app *bera.App, user *bera.User, req bera.BuildRequest, b *bera.Build, l *liveLog) {
	defer s.finish(app.ID, b.ID, l)
	ctx := s.ctx
	work, err := os.MkdirTemp("", "bera-source-")
	if err != nil {
		s.fail(b, l, err)
		return
	}
	defer os.RemoveAll(work)
	dir := filepath.Join(work, "src")
	commit, err := s.fetch(ctx, req, dir, l)
	if err != nil {
		s.fail(b, l, err)
		return
	}
	err = s.cfg.Deployer.Deploy(withPreset(ctx, b), app, user, bera.Source{Dir: dir, Commit: commit, Ref: req.Ref}, l)
	if err != nil {
		fmt.Fprintf(l, "\n !     Build failed: %s\n", bera.ErrorMessage(err))
		s.log.Info("source build failed", "app", app.Name, "build", b.ID, "err", err)
	}
	if req.Kind == bera.SourceGit && commit != "" {
		if err := s.cfg.Store.SetSourceCommits(context.WithoutCancel(ctx), app.ID, &commit, nil); err != nil && bera.ErrorCode(err) != bera.ENotFound {
			s.log.Warn("record deployed commit", "app", app.Name, "err", err)
		}
	}
}

// fetch puts the requested tree in dir and returns its commit (a tarball's version label).
func (s *Service) fetch(ctx context.Context, req bera.BuildRequest, dir string, out io.Writer) (string, error) {
	f := s.cfg.Fetcher
	if req.Kind == bera.SourceTarball {
		fmt.Fprintf(out, "-----> Fetching %s\n", quoteURL(req.URL))
		return req.Ref, f.Tarball(ctx, req.URL, req.Checksum, dir)
	}
	ref := req.Ref
	fmt.Fprintf(out, "-----> Cloning %s %s\n", quoteURL(req.URL), ref)
	commit, err := f.Clone(ctx, req.URL, ref, dir)
	if err != nil || req.Commit == "" || commit == req.Commit || !isCommit(req.Commit) {
		return commit, err
	}
	// The branch moved on since the event: deploy the commit that was asked for.
	os.RemoveAll(dir)
	fmt.Fprintf(out, "       Branch is at %s; fetching %s\n", short(commit), short(req.Commit))
	return f.Clone(ctx, req.URL, req.Commit, dir)
}

// fail marks a build that never reached the deployer as failed.
func (s *Service) fail(b *bera.Build, out io.Writer, err error) {
	fmt.Fprintf(out, " !     %s\n", bera.ErrorMessage(err))
	if bera.ErrorCode(err) == bera.EInternal {
		s.log.Error("source build failed", "build", b.ID, "err", err)
	}
	b.Status = bera.BuildFailed
	if uerr := s.cfg.Store.UpdateBuild(context.WithoutCancel(s.ctx), b); uerr != nil {
		s.log.Error("mark build failed", "build", b.ID, "err", uerr)
	}
}

// finish forgets a build before waking its readers, so a reader that saw the end also sees
// the app as free for the next build. The app's last build forgets the app's queue: none
// is waiting on it, and a later build makes a new one.
func (s *Service) finish(appID, buildID string, l *liveLog) {
	s.mu.Lock()
	delete(s.live, buildID)
	if q := s.apps[appID]; q != nil {
		if q.n--; q.n <= 0 {
			delete(s.apps, appID)
		}
	}
	s.mu.Unlock()
	l.finish()
}

func short(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

type presetKey struct{}

// withPreset marks a deploy as one whose build row this package already created.
func withPreset(ctx context.Context, b *bera.Build) context.Context {
	return context.WithValue(ctx, presetKey{}, b)
}

// DeployStore wraps the deployer's store so that a deploy started by a Service keeps the
// build this service created and returned to the client (same id, output URL), instead of
// recording a second build. Other deploys (git push) pass through unchanged.
type DeployStore struct {
	deploy.Store
}

// CreateBuild adopts the preset build of ctx, if any, and creates b otherwise.
func (d DeployStore) CreateBuild(ctx context.Context, b *bera.Build) error {
	pre, ok := ctx.Value(presetKey{}).(*bera.Build)
	if !ok {
		return d.Store.CreateBuild(ctx, b)
	}
	b.ID, b.SourceURL, b.OutputStreamURL, b.CreatedAt = pre.ID, pre.SourceURL, pre.OutputStreamURL, pre.CreatedAt
	return d.Store.UpdateBuild(ctx, b)
}
