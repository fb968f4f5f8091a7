// Package oneoff runs one-off dynos (`bera run`, `heroku run`, `heroku run:detached`): a
// command in the app's current release, named run.NNNN, either detached (its output goes to
// the app's logs) or attached to a client over Heroku's rendezvous protocol (ServeRendezvous)
// or a WebSocket (ServeAttach).
//
// Lifecycle of a one-off dyno:
//  1. Create checks the app has code, picks a name and either starts the dyno (detached) or
//     keeps it pending (attached) with a one-use secret that expires after AttachTTL.
//  2. An attached dyno starts when a client presents its secret (Attach), with a pty unless
//     the client asked for none; the client's bytes are its stdin.
//  3. When its command exits, the dyno is removed and the app's log shows its exit status.
//     Stop ends it early (DELETE /apps/{app}/dynos/run.N); a client that leaves ends it too.
//
// One-off dynos do not outlive the server: Close stops them all.
package oneoff

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// Releases finds an app's current release. *store.Store satisfies it.
type Releases interface {
	CurrentRelease(ctx context.Context, appID string) (*bera.Release, error)
}

// Slugs makes a release's slug runnable: Prepare fills in what spec runs for slugID.
// *deploy.SlugDirs satisfies it.
type Slugs interface {
	Prepare(ctx context.Context, slugID string, spec *runtime.DynoSpec) error
}

// Config configures a Manager.
type Config struct {
	// Runtime runs the dynos; attached runs need it to implement runtime.Attacher.
	Runtime  runtime.Runtime
	Releases Releases
	Slugs    Slugs
	// Log receives platform lines for an app's log stream (source "heroku", dyno "run.N").
	Log func(appID, source, dyno, msg string)
	// Events receives a DynoState event at each state change, next to the log line.
	// Optional.
	Events events.Publisher
	// AttachTTL is how long an attached dyno waits for its client (default 60 s).
	AttachTTL time.Duration
	// StopGrace is the time between SIGTERM and SIGKILL when a run is stopped (default 10 s).
	StopGrace time.Duration
	// Drain bounds how long output is still read once the command exited, for background
	// children that keep its stdout open (default 2 s).
	Drain  time.Duration
	Logger *slog.Logger
	Now    func() time.Time
}

// Options describe a one-off dyno to create.
type Options struct {
	// Command is run by /bin/sh -c in /app.
	Command string
	// Env is added to the release's config vars (TERM, COLUMNS, LINES from the client).
	Env map[string]string
	// Size is a dyno size name (default standard-1X); Type defaults to "run".
	Size, Type string
	// Attach keeps the dyno pending until a client attaches; TTY gives it a terminal then.
	Attach, TTY bool
	// User is the email of the caller, for the log line.
	User string
}

// Manager creates, tracks and stops one-off dynos. It is safe for concurrent use.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	ctx    context.Context // ends at Close; bounds the waiters of detached runs
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu   sync.Mutex // guards the following
	runs map[string]*run
}

// run is one one-off dyno the manager knows.
type run struct {
	dyno    bera.Dyno
	spec    runtime.DynoSpec
	secret  string
	tty     bool
	pending bool // attached, waiting for its client
	expiry  *time.Timer
}

// New returns a Manager; call Close to stop its dynos.
func New(cfg Config) *Manager {
	if cfg.AttachTTL == 0 {
		cfg.AttachTTL = time.Minute
	}
	if cfg.StopGrace == 0 {
		cfg.StopGrace = 10 * time.Second
	}
	if cfg.Drain == 0 {
		cfg.Drain = 2 * time.Second
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
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{cfg: cfg, log: cfg.Logger.With("component", "oneoff"), ctx: ctx, cancel: cancel, runs: map[string]*run{}}
}

// Create makes a one-off dyno of app from its current release. A detached dyno starts at
// once; an attached one waits for Attach with the returned secret. Errors: EInvalid for a
// bad size, type or command and for an app with no code yet.
func (m *Manager) Create(ctx context.Context, app *bera.App, o Options) (bera.Dyno, string, error) {
	r, err := m.prepare(ctx, app, o)
	if err != nil {
		return bera.Dyno{}, "", err
	}
	if !o.Attach {
		if err := m.startDetached(ctx, r, o.User); err != nil {
			return bera.Dyno{}, "", err
		}
		return m.snapshot(r), "", nil
	}
	r.secret, r.tty, r.pending = newSecret(), o.TTY, true
	m.mu.Lock()
	m.runs[r.spec.ID] = r
	r.expiry = time.AfterFunc(m.cfg.AttachTTL, func() { m.expire(r) })
	m.mu.Unlock()
	m.cfg.Log(app.ID, "heroku", r.dyno.Name, "Starting process with command `"+o.Command+"`"+byUser(o.User))
	return m.snapshot(r), r.secret, nil
}

// prepare validates o and builds the dyno from the app's current release.
func (m *Manager) prepare(ctx context.Context, app *bera.App, o Options) (*run, error) {
	if strings.TrimSpace(o.Command) == "" {
		return nil, bera.Errorf(bera.EInvalid, "Command can't be empty.")
	}
	if o.Size == "" {
		o.Size = bera.DefaultDynoSize
	}
	size, err := bera.LookupDynoSize(o.Size)
	if err != nil {
		return nil, err
	}
	if o.Type == "" {
		o.Type = "run"
	}
	if err := bera.ValidateProcessType(o.Type); err != nil {
		return nil, err
	}
	rel, err := m.current(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	env := make(map[string]string, len(rel.Config)+len(o.Env))
	for k, v := range rel.Config {
		env[k] = v
	}
	for k, v := range o.Env {
		env[k] = v
	}
	now := m.cfg.Now()
	name := m.newName(app.ID)
	id := "run-" + strings.ReplaceAll(app.ID, "-", "") + "-" + strings.TrimPrefix(name, "run.") + "-" + randomHex(3)
	spec := runtime.DynoSpec{ID: id, App: app.ID, AppID: app.ID, Name: name, Type: o.Type, Command: o.Command, Env: env, Size: size, Network: app.SpaceID}
	if err := m.cfg.Slugs.Prepare(ctx, rel.SlugID, &spec); err != nil {
		return nil, fmt.Errorf("prepare slug: %w", err)
	}
	return &run{
		dyno: bera.Dyno{ID: uuid.NewString(), AppID: app.ID, Name: name, Type: o.Type, State: bera.DynoStarting, Command: o.Command,
			Size: size.Name, ReleaseID: rel.ID, ReleaseVersion: rel.Version, CreatedAt: now, UpdatedAt: now},
		spec: spec,
	}, nil
}

// current returns the app's current release, refusing an app without code.
func (m *Manager) current(ctx context.Context, appID string) (*bera.Release, error) {
	cur, err := m.cfg.Releases.CurrentRelease(ctx, appID)
	if err != nil && bera.ErrorCode(err) != bera.ENotFound {
		return nil, err
	}
	if cur == nil || cur.SlugID == "" {
		return nil, bera.Errorf(bera.EInvalid, "This app has no code yet: deploy it with git push before running a one-off dyno.")
	}
	return cur, nil
}

// newName picks run.NNNN (4 or 5 random digits) not in use by the app.
func (m *Manager) newName(appID string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(99000))
		name := fmt.Sprintf("run.%d", n.Int64()+1000)
		if m.byNameLocked(appID, name) == nil {
			return name
		}
	}
}

func (m *Manager) byNameLocked(appID, name string) *run {
	for _, r := range m.runs {
		if r.dyno.AppID == appID && (r.dyno.Name == name || r.dyno.ID == name) {
			return r
		}
	}
	return nil
}

// Dynos lists the app's one-off dynos, by name.
func (m *Manager) Dynos(appID string) []bera.Dyno {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []bera.Dyno
	for _, r := range m.runs {
		if r.dyno.AppID == appID {
			out = append(out, r.dyno)
		}
	}
	slices.SortFunc(out, func(a, b bera.Dyno) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Has reports whether name (or id) is one of the app's one-off dynos.
func (m *Manager) Has(appID, name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.byNameLocked(appID, name) != nil
}

// Stop ends one of the app's one-off dynos (by name or id): SIGTERM, then SIGKILL after
// StopGrace. It returns ENotFound when the app has no such one-off dyno.
func (m *Manager) Stop(ctx context.Context, appID, name string) error {
	m.mu.Lock()
	r := m.byNameLocked(appID, name)
	pending := r != nil && r.pending
	if pending {
		delete(m.runs, r.spec.ID)
		r.expiry.Stop()
	}
	m.mu.Unlock()
	switch {
	case r == nil:
		return bera.NotFound("dyno")
	case pending:
		m.stateChanged(r, "starting", "complete")
		return nil
	}
	m.cfg.Log(appID, "heroku", r.dyno.Name, "Stopping all processes with SIGTERM")
	if _, err := m.cfg.Runtime.Stop(ctx, r.spec.ID, m.cfg.StopGrace); err != nil && bera.ErrorCode(err) != bera.ENotFound {
		return fmt.Errorf("stop %s: %w", r.dyno.Name, err)
	}
	return nil
}

// Close stops every one-off dyno and waits for their watchers.
func (m *Manager) Close() error {
	m.mu.Lock()
	runs := make([]*run, 0, len(m.runs))
	for _, r := range m.runs {
		runs = append(runs, r)
	}
	m.mu.Unlock()
	for _, r := range runs {
		m.Stop(context.Background(), r.dyno.AppID, r.dyno.Name)
	}
	m.cancel()
	m.wg.Wait()
	return nil
}

// expire drops an attached dyno whose client never came (Heroku's R13).
func (m *Manager) expire(r *run) {
	m.mu.Lock()
	ok := r.pending && m.runs[r.spec.ID] == r
	if ok {
		delete(m.runs, r.spec.ID)
	}
	m.mu.Unlock()
	if ok {
		m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, "Error R13 (Attach error) -> Failed to attach to process")
		m.stateChanged(r, "starting", "complete")
	}
}

func (m *Manager) snapshot(r *run) bera.Dyno {
	m.mu.Lock()
	defer m.mu.Unlock()
	return r.dyno
}

func (m *Manager) setState(r *run, state string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.dyno.State, r.dyno.UpdatedAt = state, m.cfg.Now()
}

// stateChanged writes a one-off dyno's "State changed" platform line, as Heroku shows it,
// and publishes the change.
func (m *Manager) stateChanged(r *run, from, to string) {
	m.cfg.Log(r.dyno.AppID, "heroku", r.dyno.Name, "State changed from "+from+" to "+to)
	m.cfg.Events.Publish(events.Event{AppID: r.dyno.AppID, Time: m.cfg.Now(), Payload: events.DynoState{Dyno: r.dyno.Name, From: from, To: to}})
}

func byUser(email string) string {
	if email == "" {
		return ""
	}
	return " by user " + email
}

func newSecret() string { return randomHex(24) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
