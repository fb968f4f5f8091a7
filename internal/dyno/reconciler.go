package dyno

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// Store is what the reconciler reads. *store.Store satisfies it.
type Store interface {
	// ListCurrent returns what should run for every app, or for appID alone: a pass reads
	// it once, whatever the number of apps.
	ListCurrent(ctx context.Context, appID string) ([]*bera.Current, error)
	// The rest is read when Run adopts the dynos a previous server left.
	ListApps(ctx context.Context, userID string) ([]*bera.App, error)
	ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error)
	Release(ctx context.Context, appID, idOrVersion string) (*bera.Release, error)
}

// Slugs makes a release's slug runnable: Prepare fills in what spec runs (the extracted
// slug, or a CNB image's layers and its launcher) for slugID. *deploy.SlugDirs satisfies it.
type Slugs interface {
	Prepare(ctx context.Context, slugID string, spec *runtime.DynoSpec) error
}

// Config configures a Reconciler.
type Config struct {
	Store   Store
	Runtime runtime.Runtime
	Slugs   Slugs
	// Log receives platform lines for an app's log stream (source "heroku", dyno "web.1").
	Log func(appID, source, dyno, msg string)
	// Events receives a DynoState event at each state change, next to the log line.
	// Optional.
	Events events.Publisher
	// OnChange is called (from the reconciler's goroutine) when an app's dynos changed state.
	OnChange func(appID string)
	// OnAdopted, when set, is called once, after Run has adopted (or reaped) the dynos the
	// runtime already ran, before the first pass: the router can route to them from then on.
	OnAdopted func()
	// Drain waits for in-flight requests to a web dyno's address to finish; it is called after
	// the dyno left the router and before it is signalled. Optional.
	Drain func(ctx context.Context, addr string) error
	// NetworkOf returns the Private Space an app's dynos join ("" for the common runtime).
	// Nil puts every dyno in the common runtime.
	NetworkOf func(ctx context.Context, appID string) (string, error)
	// BootTimeout is how long a web dyno has to accept connections on $PORT (default 60 s).
	BootTimeout time.Duration
	// StopGrace is the time between SIGTERM and SIGKILL (default 30 s).
	StopGrace time.Duration
	// Probe reports whether a starting web dyno accepts connections at addr (default: a TCP
	// connection within a second). Tests replace it with their own idea of a bound port.
	Probe func(ctx context.Context, addr string) error
	// Interval between full passes over every app (default 20 s), a safety net: changes
	// reach the reconciler through Converge and the events of its own dynos, and a crashed
	// dyno's restart waits on a timer, not on this.
	Interval time.Duration
	// ParallelStarts bounds how many dynos are being started in the runtime at once
	// (default 6). A scale to N starts its dynos side by side, this many at a time.
	ParallelStarts int
	Logger         *slog.Logger
	Now            func() time.Time
}

// Reconciler keeps every app's dynos matching its formation and current release. One
// goroutine (Run) owns the tracked state; starts (run side by side, see ParallelStarts),
// health checks and exit watchers report back to it over a channel.
type Reconciler struct {
	cfg    Config
	log    *slog.Logger
	kick   chan struct{} // a Converge is pending
	events chan event
	slots  chan struct{} // one per start in progress (ParallelStarts)
	// lastStart is closed once the latest start has its slot (owner goroutine only).
	lastStart chan struct{}

	mu   sync.RWMutex // guards apps (read by API goroutines)
	apps map[string]map[string]*tracked

	pendingMu sync.Mutex      // guards pending
	pending   map[string]bool // apps Converge asked for since the last pass over them

	// wakeups says when to pass an app again (a crashed dyno's back-off ends, a failed read
	// is retried; "" for every app), and wake fires at the earliest. Owner goroutine only.
	wakeups map[string]time.Time
	wake    *time.Timer

	wg sync.WaitGroup
}

// tracked is one dyno the reconciler started or adopted.
type tracked struct {
	Actual
	AppID      string
	Type       string
	Addr       string
	Version    int
	StartedAt  time.Time
	UpdatedAt  time.Time
	crashes    int
	stopping   bool
	launching  bool          // Runtime.Start is in progress: a stop waits for it (evLaunched)
	replaces   string        // runtime id of the dyno to stop once this one is up
	superseded bool          // a replacement is starting; Plan no longer sees this one
	boot       time.Duration // the release's boot timeout for web dynos, if it sets one
}

type eventKind int

const (
	evUp eventKind = iota
	evExited
	evBootTimeout
	evStopped
	evLaunched // Runtime.Start returned (status, or err)
)

type event struct {
	boot   time.Duration // the boot timeout that passed (evBootTimeout)
	kind   eventKind
	appID  string
	id     string
	status runtime.Status
	err    error // evLaunched: the start failed
}

// New returns a Reconciler; call Run to start it.
func New(cfg Config) *Reconciler {
	if cfg.BootTimeout == 0 {
		cfg.BootTimeout = 60 * time.Second
	}
	if cfg.StopGrace == 0 {
		cfg.StopGrace = 30 * time.Second
	}
	if cfg.Interval == 0 {
		cfg.Interval = 20 * time.Second
	}
	if cfg.Probe == nil {
		cfg.Probe = dialProbe
	}
	if cfg.ParallelStarts <= 0 {
		cfg.ParallelStarts = 6
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = func(string, string, string, string) {}
	}
	if cfg.Events == nil {
		cfg.Events = events.Discard
	}
	if cfg.OnChange == nil {
		cfg.OnChange = func(string) {}
	}
	started := make(chan struct{})
	close(started)
	return &Reconciler{cfg: cfg, lastStart: started, log: cfg.Logger.With("component", "reconciler"),
		kick: make(chan struct{}, 1), events: make(chan event, 256), slots: make(chan struct{}, cfg.ParallelStarts),
		apps: map[string]map[string]*tracked{}, pending: map[string]bool{}, wakeups: map[string]time.Time{}}
}

// Converge asks for a pass over appID soon. It never blocks, and asking again before the
// pass ran asks for one pass.
func (r *Reconciler) Converge(appID string) {
	r.pendingMu.Lock()
	r.pending[appID] = true
	r.pendingMu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// takePending returns the apps Converge asked for, sorted, and forgets them.
func (r *Reconciler) takePending() []string {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	ids := slices.Sorted(maps.Keys(r.pending))
	clear(r.pending)
	return ids
}

// Run adopts the runtime's dynos, then reconciles until ctx ends. It leaves dynos running
// (a runtime that does not survive restarts stops them in its Close).
func (r *Reconciler) Run(ctx context.Context) error {
	r.adopt(ctx)
	if r.cfg.OnAdopted != nil {
		r.cfg.OnAdopted()
	}
	resync := time.NewTicker(r.cfg.Interval)
	defer resync.Stop()
	r.wake = time.NewTimer(r.cfg.Interval)
	r.wake.Stop()
	defer r.wake.Stop()
	r.passAll(ctx)
	for {
		select {
		case <-ctx.Done():
			r.wg.Wait()
			return nil
		case <-r.kick:
			for _, appID := range r.takePending() {
				r.pass(ctx, appID)
			}
		case ev := <-r.events:
			r.handle(ctx, ev)
		case <-r.wake.C:
			r.passDue(ctx)
		case <-resync.C:
			r.passAll(ctx)
		}
	}
}

// passAll reconciles every app, and forgets dynos of deleted apps.
func (r *Reconciler) passAll(ctx context.Context) {
	current, err := r.cfg.Store.ListCurrent(ctx, "")
	if err != nil {
		r.log.Error("read desired state", "err", err)
		r.retry("")
		return
	}
	seen := map[string]bool{}
	for _, c := range current {
		seen[c.AppID] = true
		r.converge(ctx, c.AppID, c)
	}
	for _, appID := range r.trackedApps() {
		if !seen[appID] {
			r.converge(ctx, appID, nil)
		}
	}
}

// pass reconciles one app.
func (r *Reconciler) pass(ctx context.Context, appID string) {
	current, err := r.cfg.Store.ListCurrent(ctx, appID)
	if err != nil {
		r.log.Error("read desired state", "app", appID, "err", err)
		r.retry(appID)
		return
	}
	var c *bera.Current
	if len(current) == 1 && current[0].AppID == appID {
		c = current[0]
	}
	r.converge(ctx, appID, c)
}

// converge makes the app's dynos match c, what should run (nil when the app is gone or has
// no release), and sets when to pass it again for a crashed dyno's restart.
func (r *Reconciler) converge(ctx context.Context, appID string, c *bera.Current) {
	desired, rel := desiredOf(c)
	r.apply(ctx, appID, Plan(desired, r.actual(appID), r.cfg.Now()), rel)
	r.reap(ctx, appID)
	r.scheduleRestarts(appID)
}

// reap stops the app's superseded dynos that nothing else would stop (orphans), so a crashed
// dyno of an old release does not linger beside the current ones.
func (r *Reconciler) reap(ctx context.Context, appID string) {
	for _, id := range r.orphans(appID) {
		r.stop(ctx, appID, id, "Stopping all processes with SIGTERM")
	}
}

// desiredOf joins the formation with the current release. An app with no slug yet runs
// nothing.
func desiredOf(c *bera.Current) ([]Desired, *bera.Release) {
	if c == nil {
		return nil, nil
	}
	if c.Release.SlugID == "" {
		return nil, c.Release
	}
	out := make([]Desired, 0, len(c.Formation))
	for _, f := range c.Formation {
		out = append(out, Desired{Type: f.Type, Quantity: f.Quantity, Size: f.Size, Command: f.Command, ReleaseID: c.Release.ID,
			BootTimeout: time.Duration(c.BootTimeout) * time.Second})
	}
	return out, c.Release
}
