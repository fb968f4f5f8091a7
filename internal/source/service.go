// Package source deploys apps from code that is not pushed to Bera: a public Git URL (a
// shallow clone), a tarball URL (Heroku's Build API source_blob), GitHub webhooks (push,
// with an optional wait for CI), and a poller that deploys new commits of a tracked branch.
// Every deploy goes through the same bera.Deployer as git push, as the app's owner
// when no user started it.
//
// Builds run in the background. A build's output is written to DATA/builds/ID.output and
// served, live and replayed after the end, through a signed output_stream_url.
package source

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
)

// Store is what the service reads and writes. *store.Store satisfies it.
type Store interface {
	App(ctx context.Context, idOrName string) (*bera.App, error)
	User(ctx context.Context, idOrEmail string) (*bera.User, error)
	CreateBuild(ctx context.Context, b *bera.Build) error
	UpdateBuild(ctx context.Context, b *bera.Build) error
	AppSource(ctx context.Context, appID string) (*bera.AppSource, error)
	PutAppSource(ctx context.Context, src *bera.AppSource) error
	SetSourceCommits(ctx context.Context, appID string, last, pending *string) error
	AppSourcesByGitHubRepo(ctx context.Context, fullName string) ([]*bera.AppSource, error)
	AutoDeploySources(ctx context.Context) ([]*bera.AppSource, error)
}

// Config configures a Service.
type Config struct {
	Store Store
	// Deployer builds and releases a fetched tree. Its store must be wrapped in DeployStore
	// so builds keep the id this service hands out.
	Deployer bera.Deployer
	// Fetcher fetches sources; its Policy decides which URLs are allowed.
	Fetcher *Fetcher
	// DataDir holds build output (DATA/builds/ID.output).
	DataDir string
	// PublicURL is the server's base URL as clients reach it, for output_stream_url and the
	// webhook URL (e.g. "http://127.0.0.1:3000").
	PublicURL string
	// SigningKey signs output_stream_url tokens. Required.
	SigningKey []byte
	// PollInterval is how often Run checks auto-deploy branches (default 1 minute).
	PollInterval time.Duration
	Logger       *slog.Logger
}

// Service runs source deploys. Start builds with StartBuild, serve their output with
// Output, feed it webhooks with GitHubWebhook, and run the poller with Run. Close waits for
// running builds after cancelling them.
type Service struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // the lifetime of background builds
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex // guards the following
	live map[string]*liveLog
	apps map[string]*appBuilds // apps with builds queued or running, by app id
}

// appBuilds runs one app's builds one at a time. It lives in Service.apps while n > 0, so
// the map holds only apps with builds.
type appBuilds struct {
	mu sync.Mutex // held by the running build
	n  int        // builds queued or running; guarded by Service.mu
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Fetcher == nil {
		cfg.Fetcher = &Fetcher{}
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "source"), ctx: ctx, cancel: cancel,
		live: map[string]*liveLog{}, apps: map[string]*appBuilds{}}
}

// Close cancels running builds and waits for them to end (they are marked failed).
func (s *Service) Close() error {
	s.cancel()
	s.wg.Wait()
	return nil
}

// WebhookURL is where GitHub sends deliveries: PublicURL + "/webhooks/github".
func (s *Service) WebhookURL() string { return s.cfg.PublicURL + "/webhooks/github" }

// outputToken signs a build id for its output_stream_url.
func (s *Service) outputToken(buildID string) string {
	mac := hmac.New(sha256.New, s.cfg.SigningKey)
	mac.Write([]byte("build-output\x00" + buildID))
	return hex.EncodeToString(mac.Sum(nil))
}

func (s *Service) outputURL(buildID string) string {
	return s.cfg.PublicURL + "/build-output/" + buildID + "?token=" + s.outputToken(buildID)
}

func (s *Service) outputPath(buildID string) string {
	return filepath.Join(s.cfg.DataDir, "builds", buildID+".output")
}
