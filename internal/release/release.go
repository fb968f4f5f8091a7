// Package release is the one place that creates releases: deploys, config changes,
// rollbacks and (later) add-on attach and detach all describe a Change, and the Service
// checks the formation it implies against the operator's limits, writes the release with its
// config and process types in one store transaction, then logs it to the app's log, publishes
// it on the event bus and asks the dyno reconciler to converge, once.
//
// A change with a release phase is written pending, with the formation untouched; the
// release becomes current, with its process types, only when the phase succeeds.
package release

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
)

// Store is what the service reads and writes. *store.Store satisfies it.
type Store interface {
	// WriteRelease writes a release with its config and formation in one transaction.
	WriteRelease(ctx context.Context, nr bera.NewRelease) (*bera.Release, error)
	// SucceedRelease makes a pending release current and writes f in one transaction.
	SucceedRelease(ctx context.Context, appID, releaseID string, f *bera.ReleaseFormation) error
	SetReleaseStatus(ctx context.Context, releaseID, status string) error
	ListFormation(ctx context.Context, appID string) ([]*bera.Formation, error)
	// OwnerDynos counts the dynos of the apps ownerID owns but exceptAppID.
	OwnerDynos(ctx context.Context, ownerID, exceptAppID string) (int, error)
}

// Converger is told when an app's current release changed.
type Converger interface {
	Converge(appID string)
}

// Config configures a Service.
type Config struct {
	Store Store
	// Events receives an events.ReleaseCreated per release; nil publishes nothing.
	Events events.Publisher
	// Converger starts the current release's dynos; nil leaves dynos alone.
	Converger Converger
	// Log writes a line to the app's log stream as app[api]. Optional.
	Log func(appID, msg string)
	// FormationLimits are the operator's caps, checked on the formation a change gives.
	FormationLimits bera.FormationLimits
	// FormationLock is held while a formation is checked and written; share it with
	// everything else that changes formations (API scaling). Nil: the service's own.
	FormationLock sync.Locker
	// Now stamps events (default time.Now).
	Now func() time.Time
}

// Change describes a new release. The zero value of each field keeps what the app has.
type Change struct {
	// Description is the release's ("Deploy 1a2b3c4d", "Set A config vars", "Rollback to v3");
	// the app's log says it, followed by " by user EMAIL".
	Description string
	// User made the change.
	User *bera.User
	// SlugID is the release's slug ("" for none); nil keeps the current release's.
	SlugID *string
	// Config, when not nil, replaces the app's config (a rollback); otherwise ConfigChanges
	// are applied to the config as it is when the release is written.
	Config        map[string]string
	ConfigChanges []bera.ConfigChange
	// AddonPlanNames are the add-on plans attached with the release; nil keeps the current
	// release's.
	AddonPlanNames []string
	// ProcessTypes, when not nil, are the slug's process types: all but "release" become
	// the formation's types (bera.WithProcessTypes). Nil leaves the formation alone.
	ProcessTypes map[string]string
	// NewTypeFormation gives a quantity and size to process types the formation does not
	// have yet (app.json's formation); updates of other types are ignored.
	NewTypeFormation []bera.FormationUpdate
	// OnFormationRefused, when set, makes a refusal by the limits at write time drop
	// NewTypeFormation instead of failing: the refusal is passed here and the release goes
	// ahead with its process types. Nil: the refusal is the error and nothing is written.
	OnFormationRefused func(err error)
	// ReleasePhase, when set, runs between writing the release as pending and making it
	// current; an error marks it failed and is Create's error. The formation is written
	// only once it returned nil.
	ReleasePhase func(ctx context.Context, rel *bera.Release) error
}

// Service creates releases.
type Service struct {
	cfg Config
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.FormationLock == nil {
		cfg.FormationLock = &sync.Mutex{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}
}

// Create writes the release ch describes as app's next version and returns it. Without a
// release phase the release is current at once; the formation it implies is checked against
// the limits first, and on refusal nothing is written (but see Change.OnFormationRefused).
// The event is published when the release is written; the log line and the converge follow
// once it is current.
func (s *Service) Create(ctx context.Context, app *bera.App, ch Change) (*bera.Release, error) {
	if ch.ReleasePhase != nil {
		return s.createWithPhase(ctx, app, ch)
	}
	rel, err := s.writeCurrent(ctx, app, ch)
	if err != nil {
		return nil, err
	}
	s.publish(rel)
	s.announce(app, rel, ch)
	return rel, nil
}

// Check returns the limits' refusal of the formation ch would give app, if any, without
// writing anything: a deploy asks before it stores its slug.
func (s *Service) Check(ctx context.Context, app *bera.App, ch Change) error {
	if ch.ProcessTypes == nil {
		return nil
	}
	s.cfg.FormationLock.Lock()
	defer s.cfg.FormationLock.Unlock()
	before, err := s.cfg.Store.ListFormation(ctx, app.ID)
	if err != nil {
		return err
	}
	types := formationTypes(ch.ProcessTypes)
	return s.checkFormation(ctx, app, before, types, newTypeUpdates(before, types, ch.NewTypeFormation))
}

// writeCurrent checks the formation and writes a succeeded release with it, under the
// formation lock when the formation changes.
func (s *Service) writeCurrent(ctx context.Context, app *bera.App, ch Change) (*bera.Release, error) {
	if ch.ProcessTypes != nil {
		s.cfg.FormationLock.Lock()
		defer s.cfg.FormationLock.Unlock()
	}
	f, err := s.formation(ctx, app, ch)
	if err != nil {
		return nil, err
	}
	return s.write(ctx, app, ch, bera.ReleaseSucceeded, f)
}

// write writes the release ch describes with status and f.
func (s *Service) write(ctx context.Context, app *bera.App, ch Change, status string, f *bera.ReleaseFormation) (*bera.Release, error) {
	nr := bera.NewRelease{AppID: app.ID, Description: ch.Description, Status: status, SlugID: ch.SlugID,
		Config: ch.Config, ConfigChanges: ch.ConfigChanges, AddonPlanNames: ch.AddonPlanNames, Formation: f}
	if ch.User != nil {
		nr.UserID = ch.User.ID
	}
	rel, err := s.cfg.Store.WriteRelease(ctx, nr)
	if err != nil {
		return nil, err
	}
	if ch.User != nil {
		rel.UserEmail = ch.User.Email
	}
	return rel, nil
}

// createWithPhase writes a pending release, runs the release phase and makes the release
// current with its formation, or marks it failed.
func (s *Service) createWithPhase(ctx context.Context, app *bera.App, ch Change) (*bera.Release, error) {
	rel, err := s.write(ctx, app, ch, bera.ReleasePending, nil)
	if err != nil {
		return nil, err
	}
	s.publish(rel)
	if err := ch.ReleasePhase(ctx, rel); err != nil {
		return nil, s.fail(ctx, rel, err)
	}
	// The phase's outcome is kept even if the caller went away meanwhile.
	ctx = context.WithoutCancel(ctx)
	if err := s.succeed(ctx, app, rel, ch); err != nil {
		return nil, s.fail(ctx, rel, err)
	}
	rel.Status, rel.Current = bera.ReleaseSucceeded, true
	s.announce(app, rel, ch)
	return rel, nil
}

// succeed makes a pending release current with the formation ch implies.
func (s *Service) succeed(ctx context.Context, app *bera.App, rel *bera.Release, ch Change) error {
	if ch.ProcessTypes != nil {
		s.cfg.FormationLock.Lock()
		defer s.cfg.FormationLock.Unlock()
	}
	f, err := s.formation(ctx, app, ch)
	if err != nil {
		return err
	}
	return s.cfg.Store.SucceedRelease(ctx, app.ID, rel.ID, f)
}

// fail marks rel failed and returns err, or the store's error if that failed too.
func (s *Service) fail(ctx context.Context, rel *bera.Release, err error) error {
	if serr := s.cfg.Store.SetReleaseStatus(context.WithoutCancel(ctx), rel.ID, bera.ReleaseFailed); serr != nil {
		return serr
	}
	return err
}

// publish announces a new release of the app.
func (s *Service) publish(rel *bera.Release) {
	if s.cfg.Events == nil {
		return
	}
	e := events.NewReleaseCreated(rel)
	e.Time = s.cfg.Now()
	s.cfg.Events.Publish(e)
}

// announce logs a release that became current and asks for the app's dynos to follow it.
func (s *Service) announce(app *bera.App, rel *bera.Release, ch Change) {
	if s.cfg.Log != nil {
		email := ""
		if ch.User != nil {
			email = ch.User.Email
		}
		s.cfg.Log(app.ID, fmt.Sprintf("%s by user %s", ch.Description, email))
		s.cfg.Log(app.ID, fmt.Sprintf("Release v%d created by user %s", rel.Version, email))
	}
	if s.cfg.Converger != nil {
		s.cfg.Converger.Converge(app.ID)
	}
}

// formationTypes are a slug's formation types: its process types but the release phase.
func formationTypes(processTypes map[string]string) map[string]string {
	types := maps.Clone(processTypes)
	delete(types, "release")
	return types
}
