// Package api serves Bera's REST API: the Heroku Platform API v3 resources and shapes (see
// shared/heroku-api.md), under the root and under /api/v1, with authentication on every
// request and per-app authorization.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/release"
)

// Store is what the API reads and writes. *store.Store satisfies it.
type Store interface {
	User(ctx context.Context, idOrEmail string) (*bera.User, error)
	TouchUserLogin(ctx context.Context, userID string) error
	CreateAPIKey(ctx context.Context, k *bera.APIKey) error
	UserByAPIKeyHash(ctx context.Context, hash string) (*bera.User, *bera.APIKey, error)
	ListAPIKeys(ctx context.Context, userID string) ([]*bera.APIKey, error)
	DeleteAPIKey(ctx context.Context, userID, keyID string) error

	AppSlug(ctx context.Context, appID, idOrDigest string) (*bera.Slug, error)

	CreateApp(ctx context.Context, app *bera.App) (*bera.Release, error)
	App(ctx context.Context, idOrName string) (*bera.App, error)
	ListApps(ctx context.Context, userID string) ([]*bera.App, error)
	UpdateApp(ctx context.Context, appID string, upd bera.AppUpdate) (*bera.App, error)
	DeleteApp(ctx context.Context, appID string) error

	Role(ctx context.Context, appID, userID string) (string, error)
	AddCollaborator(ctx context.Context, appID, userID string) (*bera.Collaborator, error)
	ListCollaborators(ctx context.Context, appID string) ([]*bera.Collaborator, error)
	RemoveCollaborator(ctx context.Context, appID, userID string) error

	ConfigVars(ctx context.Context, appID string) (map[string]string, error)
	Release(ctx context.Context, appID, idOrVersion string) (*bera.Release, error)
	ListReleases(ctx context.Context, appID string) ([]*bera.Release, error)

	ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error)
	OwnerDynos(ctx context.Context, ownerID, exceptAppID string) (int, error)
	UpdateFormation(ctx context.Context, appID string, updates []bera.FormationUpdate) ([]*bera.Formation, error)

	AppFeatures(ctx context.Context, appID string) ([]bera.AppFeature, error)
	SetAppFeature(ctx context.Context, appID, name string, enabled bool) error

	// WriteRelease and the others of release.Store back the server's own release.Service
	// when Config.Releases is nil.
	release.Store
	Slug(ctx context.Context, id string) (*bera.Slug, error)

	CreateLogDrain(ctx context.Context, d *bera.LogDrain) error
	ListLogDrains(ctx context.Context, appID string) ([]*bera.LogDrain, error)
	DeleteLogDrain(ctx context.Context, appID, id string) error

	Build(ctx context.Context, appID, id string) (*bera.Build, error)
	ListBuilds(ctx context.Context, appID string) ([]*bera.Build, error)

	AddonStore
}

// Dynos is the running side of apps: the dyno reconciler. Nil means no runtime (no dynos).
type Dynos interface {
	Dynos(appID string) []bera.Dyno
	// Converge asks for the app's dynos to be brought in line with its formation and release.
	Converge(appID string)
	// Restart replaces the app's dynos: all when target is "", else of a type or one by name.
	Restart(appID, target string)
}

// Config configures a Server.
type Config struct {
	Store Store
	Dynos Dynos
	// Spaces brings Private Spaces' networks up and down; nil means the runtime has none,
	// and /spaces says so.
	Spaces SpaceNetworks
	// CommonNetwork is the common runtime's dyno network, which no space may overlap.
	CommonNetwork netip.Prefix
	// LogSessions issues logplex_url values; nil answers log-sessions with 503.
	LogSessions LogSessions
	// Runs runs one-off dynos; nil answers POST /apps/{app}/dynos with 503.
	Runs Runs
	// Drains delivers log drains; nil keeps them in the store only.
	Drains Drains
	// AllowLocalBuildpacks lets apps name buildpacks by a path or file:// URL on the server.
	AllowLocalBuildpacks bool
	// AllowPrivateDrains lets drains point at loopback and private addresses (tests, or a
	// log server on the same network).
	AllowPrivateDrains bool
	// Log writes a platform line to an app's log stream (source app, dyno api). Optional.
	Log    func(appID, msg string)
	Logger *slog.Logger
	// Domain is the apps' base domain: an app answers at APP.Domain.
	Domain string
	// WebURLSuffix is appended to APP.Domain in web_url, e.g. ":8080" ("" for port 80/443).
	WebURLSuffix string
	// WebScheme is "http" or "https" for web_url.
	WebScheme string
	// MaxBodyBytes caps request bodies (default 1 MiB); larger bodies get 413.
	MaxBodyBytes int64
	// FailedLoginsPerMinute is the per-IP budget of failed authentications (default 20).
	FailedLoginsPerMinute int
	// RequestBudget is the per-account burst of API requests (default 4500, Heroku's), refilled
	// at RequestRefillPerMinute (default 75). A negative RequestBudget disables the limit.
	RequestBudget          int
	RequestRefillPerMinute float64
	// Metrics serves /metrics and /apps/{app}/metrics; nil answers them with 503.
	Metrics Metrics
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// Sources runs Git URL, tarball and GitHub webhook deploys; nil answers them with 503.
	Sources Sources
	// Events is the live event bus behind /ws, published to by the API; nil answers /ws with 503.
	Events events.Bus
	// AccessRecheckInterval is how often an open /ws socket re-checks its key and its apps'
	// access, closing when either ended (default 1 s).
	AccessRecheckInterval time.Duration
	// FormationLimits are the operator's caps on dynos per app and account and the sizes
	// offered; they apply to scaling, ps:type and one-off dyno sizes.
	FormationLimits bera.FormationLimits
	// FormationLock, when set, is held while a formation change is checked and written; give
	// the deployer the same one so API scaling and deploys take turns. Nil: the server's own.
	FormationLock sync.Locker
	// Releases creates the releases of config changes and rollbacks; share it with the
	// deployer. Nil: the server's own, over Store, Events, Dynos, Log and the formation
	// limits and lock.
	Releases *release.Service
	// RoutesChanged, when set, is called after a request changed what the router or its
	// TLS listener serves for an app: the app created, renamed, deleted, its maintenance or
	// features, custom domains, SNI endpoints or ACM switched. It must not block.
	RoutesChanged func(appID string)
	// Addons provisions add-ons; nil lists no services and answers addons:create with 503.
	Addons Addons
	// BackupDir keeps pg:backups' records and schedules (DATA/backups), BackupBlobs their
	// dumps; without either, pg:backups is answered with 503.
	BackupDir   string
	BackupBlobs BackupBlobs
}

// Server is the API's http.Handler.
type Server struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	mux     *http.ServeMux
	routes  []route
	guard   *loginGuard
	budgets *budgets
	handler http.Handler
	// formationMu serialises formation changes, so limits are checked against the
	// formation they change (Config.FormationLock, or the server's own).
	formationMu sync.Locker
	releases    *release.Service

	// bg is cancelled by Close; background add-on provisioning runs under it, in work.
	bg     context.Context
	stopBG context.CancelFunc
	work   sync.WaitGroup
	// addonMu serialises add-on state changes with the attach and detach releases they
	// imply, so that a var is set exactly when its add-on is provisioned and attached.
	addonMu sync.Mutex
	// backups keeps pg:backups transfers; nil without Config.BackupDir and BackupBlobs.
	backups *backupStore
}

// NewServer returns a Server with its routes registered.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.FailedLoginsPerMinute == 0 {
		cfg.FailedLoginsPerMinute = 20
	}
	if cfg.RequestBudget == 0 {
		cfg.RequestBudget = 4500
	}
	if cfg.RequestRefillPerMinute == 0 {
		cfg.RequestRefillPerMinute = 75
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AccessRecheckInterval <= 0 {
		cfg.AccessRecheckInterval = time.Second
	}
	if cfg.WebScheme == "" {
		cfg.WebScheme = "http"
	}
	s := &Server{
		cfg:     cfg,
		store:   cfg.Store,
		log:     cfg.Logger.With("component", "api"),
		mux:     http.NewServeMux(),
		guard:   newLoginGuard(cfg.FailedLoginsPerMinute),
		budgets: newBudgets(cfg.RequestBudget, cfg.RequestRefillPerMinute),
		backups: newBackupStore(cfg.BackupDir, cfg.BackupBlobs),
	}
	if cfg.Dynos == nil {
		s.cfg.Dynos = noDynos{}
	}
	s.formationMu = cfg.FormationLock
	if s.formationMu == nil {
		s.formationMu = &sync.Mutex{}
	}
	s.releases = cfg.Releases
	if s.releases == nil {
		s.releases = release.New(release.Config{Store: cfg.Store, Events: cfg.Events, Converger: s.cfg.Dynos, Log: cfg.Log,
			FormationLimits: cfg.FormationLimits, FormationLock: s.formationMu, Now: cfg.Now})
	}
	s.bg, s.stopBG = context.WithCancel(context.Background())
	if s.backups != nil {
		s.work.Add(1)
		go s.scheduleLoop()
	}
	s.registerRoutes()
	s.handler = s.recoverPanics(s.withRequestID(s.accessLog(s.mux)))
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Close cancels the add-on provisioning still running in the background and waits for it
// to end; the add-ons it cancelled are left failed.
func (s *Server) Close() {
	s.stopBG()
	s.work.Wait()
}

type noDynos struct{}

func (noDynos) Dynos(string) []bera.Dyno { return nil }
func (noDynos) Converge(string)          {}
func (noDynos) Restart(string, string)   {}

// routesChanged reports a change to what the router serves for an app (Config.RoutesChanged).
func (s *Server) routesChanged(appID string) {
	if s.cfg.RoutesChanged != nil {
		s.cfg.RoutesChanged(appID)
	}
}
