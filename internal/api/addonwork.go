package api

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/wire"
)

// provisionTimeout bounds one add-on's provisioning in the background.
const provisionTimeout = 10 * time.Minute

var (
	validAddonName      = regexp.MustCompile(`^[a-zA-Z][A-Za-z0-9_-]{1,63}$`)
	validAttachmentName = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,62}$`)
)

// attachmentColors are the suffixes Heroku gives an app's further databases
// (HEROKU_POSTGRESQL_AMBER_URL), taken in this order.
var attachmentColors = []string{"AMBER", "AQUA", "BLACK", "BLUE", "BRONZE", "BROWN", "CHARCOAL", "COBALT",
	"COPPER", "CRIMSON", "CYAN", "GOLD", "GRAY", "GREEN", "IVORY", "JADE", "LIME", "MAROON", "MAUVE", "NAVY",
	"OLIVE", "ONYX", "ORANGE", "PINK", "PUCE", "PURPLE", "RED", "ROSE", "SILVER", "TEAL", "WHITE", "YELLOW"}

// addonWords make generated add-on names, as Heroku's "postgresql-curved-12345".
var addonWords = []string{"acute", "angular", "animate", "clean", "closed", "concave", "contoured", "convex",
	"crystalline", "cubic", "curly", "curved", "deep", "defined", "elliptical", "encircled", "fitted", "flat",
	"flexible", "globular", "graceful", "horizontal", "infinite", "octagonal", "opaque", "parallel", "polished",
	"regular", "rigid", "round", "rugged", "shallow", "shaped", "sinuous", "slippery", "solid", "spherical",
	"square", "symmetrical", "transparent", "triangular", "tubular", "vertical"}

// addonName draws a name for an add-on of service.
func addonName(service string) string {
	base := strings.TrimPrefix(service, "heroku-")
	return fmt.Sprintf("%s-%s-%05d", base, addonWords[rand.IntN(len(addonWords))], rand.IntN(100000))
}

// defaultAttachment is the name an app's first attachment of service gets, and the prefix
// of the colour names of the next ones.
func defaultAttachment(service string) (first, prefix string) {
	switch service {
	case "heroku-postgresql":
		return "DATABASE", "HEROKU_POSTGRESQL"
	case "heroku-redis":
		return "REDIS", "HEROKU_REDIS"
	}
	base := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(service, "heroku-"), "-", "_"))
	return base, "HEROKU_" + base
}

// newAttachment names a new attachment of a service's add-on to app: name (--as) when
// given, else DATABASE or REDIS, else a colour name the app does not use yet.
func (s *Server) newAttachment(ctx context.Context, app *bera.App, service, name string) (*bera.AddonAttachment, error) {
	t := &bera.AddonAttachment{AppID: app.ID, AppName: app.Name}
	if name != "" {
		t.Name = strings.ToUpper(name)
		if !validAttachmentName.MatchString(t.Name) {
			return nil, bera.Errorf(bera.EInvalid, "Attachment names start with a letter and hold letters, digits and underscores (at most 63).")
		}
		return t, nil
	}
	atts, err := s.store.ListAttachments(ctx, app.ID, "")
	if err != nil {
		return nil, err
	}
	taken := func(n string) bool {
		return slices.ContainsFunc(atts, func(a *bera.AddonAttachment) bool { return a.Name == n })
	}
	first, prefix := defaultAttachment(service)
	if !taken(first) {
		t.Name = first
		return t, nil
	}
	for _, c := range attachmentColors {
		if n := prefix + "_" + c; !taken(n) {
			t.Name = n
			return t, nil
		}
	}
	return nil, bera.Errorf(bera.EInvalid, "The app has an attachment of every colour: name this one with --as.")
}

// provisionLater provisions a in the background; Close cancels and waits for it.
func (s *Server) provisionLater(a *bera.Addon, prov addons.Provider, config map[string]string, user *bera.User) {
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		s.provision(a, prov, config, user)
	}()
}

// provision creates the instance, sets its URL on every app it is attached to by then (an
// attach release each) and records the outcome.
func (s *Server) provision(a *bera.Addon, prov addons.Provider, config map[string]string, user *bera.User) {
	ctx, cancel := context.WithTimeout(s.bg, provisionTimeout)
	defer cancel()
	inst, err := prov.Provision(ctx, addons.Request{ID: a.ID, Plan: a.Plan, Config: config})
	ctx = context.WithoutCancel(ctx)
	s.addonMu.Lock()
	defer s.addonMu.Unlock()
	if err != nil {
		s.log.Warn("add-on provisioning failed", "addon", a.Name, "err", err)
		if derr := prov.Deprovision(ctx, a.ID); derr != nil && !errors.Is(derr, addons.ErrNotFound) {
			s.log.Warn("removing a half-made add-on failed", "addon", a.Name, "err", derr)
		}
		msg := "Provisioning failed; the server's log says why. Destroy the add-on and create it again."
		if serr := s.store.SetAddonState(ctx, a.ID, bera.AddonDeprovisioned, msg, ""); serr != nil {
			s.log.Error("recording a failed provisioning", "addon", a.Name, "err", serr)
		}
		s.provisioned(ctx, a, events.AddonFailed, "@ref:"+a.Name+" failed provisioning", user)
		return
	}
	// The vars are set before the state says provisioned, so that whoever waits for the
	// state finds them.
	a.URL = inst.URL
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		s.log.Error("listing attachments", "addon", a.Name, "err", err)
	}
	for _, t := range atts {
		if err := s.attachRelease(ctx, a, t, user); err != nil {
			s.log.Error("attach release failed", "addon", a.Name, "app", t.AppName, "err", err)
		}
	}
	if err := s.store.SetAddonState(ctx, a.ID, bera.AddonProvisioned, "", inst.URL); err != nil {
		s.log.Error("recording a provisioned add-on", "addon", a.Name, "err", err)
	}
	s.provisioned(ctx, a, events.AddonProvisioned, "@ref:"+a.Name+" completed provisioning", user)
}

// provisioned announces the outcome of a's provisioning (events.AddonProvisioned or
// AddonFailed) to the apps it is attached to by now, and logs msg on its app.
func (s *Server) provisioned(ctx context.Context, a *bera.Addon, state, msg string, user *bera.User) {
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		s.log.Error("listing attachments", "addon", a.Name, "err", err)
	}
	s.addonLog(a.AppID, user, msg)
	s.addonChanged(a, state, "", addonApps(a, atts))
}

// attach stores t and, when its add-on is provisioned, releases its config var.
func (s *Server) attach(ctx context.Context, app *bera.App, t *bera.AddonAttachment, user *bera.User) error {
	s.addonMu.Lock()
	defer s.addonMu.Unlock()
	if err := s.store.CreateAttachment(ctx, t); err != nil {
		return err
	}
	t.AppName = app.Name
	a, err := s.store.Addon(ctx, t.AddonID)
	if err != nil {
		return err
	}
	if a.State == bera.AddonProvisioned {
		if err := s.attachRelease(ctx, a, t, user); err != nil {
			if derr := s.store.DeleteAttachment(context.WithoutCancel(ctx), t.ID); derr != nil {
				return errors.Join(err, derr)
			}
			return err
		}
	}
	s.addonChanged(a, events.AddonAttached, t.Name, addonApps(a, []*bera.AddonAttachment{t}))
	return nil
}

// attachRelease sets t's config var to a's URL on t's app in a release, which restarts its
// dynos. s.addonMu must be held.
func (s *Server) attachRelease(ctx context.Context, a *bera.Addon, t *bera.AddonAttachment, user *bera.User) error {
	app, err := s.store.App(ctx, t.AppID)
	if err != nil {
		return err
	}
	plans, err := s.planNames(ctx, app.ID, func(*bera.AddonAttachment) bool { return false })
	if err != nil {
		return err
	}
	url := a.URL
	_, err = s.releases.Create(ctx, app, release.Change{Description: fmt.Sprintf("Attach %s (@ref:%s)", t.Name, a.Name),
		User: user, ConfigChanges: []bera.ConfigChange{{Key: t.ConfigVar(), Value: &url}}, AddonPlanNames: plans})
	return err
}

// detachRelease removes t's config var from t's app in a release; the app's add-on plans
// leave out the attachments skip selects.
func (s *Server) detachRelease(ctx context.Context, a *bera.Addon, t *bera.AddonAttachment, user *bera.User, skip func(*bera.AddonAttachment) bool) error {
	app, err := s.store.App(ctx, t.AppID)
	if err != nil {
		return err
	}
	plans, err := s.planNames(ctx, app.ID, skip)
	if err != nil {
		return err
	}
	_, err = s.releases.Create(ctx, app, release.Change{Description: fmt.Sprintf("Detach %s (@ref:%s)", t.Name, a.Name),
		User: user, ConfigChanges: []bera.ConfigChange{{Key: t.ConfigVar()}}, AddonPlanNames: plans})
	return err
}

// planNames are the plans of the add-ons attached to appID, but the attachments skip selects.
func (s *Server) planNames(ctx context.Context, appID string, skip func(*bera.AddonAttachment) bool) ([]string, error) {
	atts, err := s.store.ListAttachments(ctx, appID, "")
	if err != nil {
		return nil, err
	}
	plans := []string{}
	for _, t := range atts {
		if skip(t) {
			continue
		}
		a, err := s.store.Addon(ctx, t.AddonID)
		if err != nil {
			return nil, err
		}
		plans = append(plans, a.Plan)
	}
	return plans, nil
}

// detach removes t, in a release when its add-on's var was set.
func (s *Server) detach(ctx context.Context, t *bera.AddonAttachment, user *bera.User) error {
	s.addonMu.Lock()
	defer s.addonMu.Unlock()
	a, err := s.store.Addon(ctx, t.AddonID)
	if err != nil {
		return err
	}
	if a.State == bera.AddonProvisioned {
		if err := s.detachRelease(ctx, a, t, user, func(x *bera.AddonAttachment) bool { return x.ID == t.ID }); err != nil {
			return err
		}
	}
	if err := s.store.DeleteAttachment(context.WithoutCancel(ctx), t.ID); err != nil {
		return err
	}
	s.addonChanged(a, events.AddonDetached, t.Name, addonApps(a, []*bera.AddonAttachment{t}))
	return nil
}

// destroyAddon detaches a everywhere (a release per app), deprovisions its instance and
// its data, and marks it destroyed. An add-on still provisioning is refused.
func (s *Server) destroyAddon(ctx context.Context, a *bera.Addon, user *bera.User) error {
	if s.cfg.Addons == nil {
		return errNoAddons()
	}
	prov, err := s.cfg.Addons.Provider(a.Service)
	if err != nil {
		return bera.Errorf(bera.EUnavailable, "The add-on service %s is not enabled on this server.", a.Service)
	}
	s.addonMu.Lock()
	defer s.addonMu.Unlock()
	if a, err = s.store.Addon(ctx, a.ID); err != nil {
		return err
	}
	if a.State == bera.AddonProvisioning {
		return bera.Errorf(bera.EInvalid, "Add-on %s is still being provisioned: destroy it once it is (addons:wait).", a.Name)
	}
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		return err
	}
	if a.State == bera.AddonProvisioned {
		for _, t := range atts {
			if err := s.detachRelease(ctx, a, t, user, func(x *bera.AddonAttachment) bool { return x.AddonID == a.ID }); err != nil {
				return err
			}
		}
	}
	ctx = context.WithoutCancel(ctx)
	if err := prov.Deprovision(ctx, a.ID); err != nil && !errors.Is(err, addons.ErrNotFound) {
		return fmt.Errorf("deprovision add-on %s: %w", a.Name, err)
	}
	if err := s.removeBackups(ctx, a.ID); err != nil {
		s.log.Warn("removing a destroyed add-on's backups", "addon", a.Name, "err", err)
	}
	if err := s.store.DestroyAddon(ctx, a.ID); err != nil {
		return err
	}
	s.log.Info("add-on destroyed", "addon", a.Name, "app", a.AppName)
	s.addonLog(a.AppID, user, "Destroy @ref:"+a.Name)
	s.addonChanged(a, events.AddonDestroyed, "", addonApps(a, atts))
	return nil
}

// destroyAppAddons destroys the add-ons billed to app, before the app is deleted.
func (s *Server) destroyAppAddons(ctx context.Context, app *bera.App, user *bera.User) error {
	list, err := s.store.ListAddons(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, a := range list {
		if err := s.destroyAddon(ctx, a, user); err != nil {
			return err
		}
	}
	return nil
}

// checkRollbackAddons refuses a rollback whose config would bring back the URL of a
// destroyed add-on, as Heroku does: its data is gone; or the URL of an add-on from before
// its credentials were rotated: that password no longer works.
func (s *Server) checkRollbackAddons(ctx context.Context, target *bera.Release) error {
	urls := make([]string, 0, len(target.Config))
	for _, v := range target.Config {
		urls = append(urls, v)
	}
	name, err := s.store.DestroyedAddonName(ctx, urls)
	if err != nil {
		return err
	}
	if name != "" {
		return bera.Errorf(bera.EInvalid, "Cannot roll back to v%d: its config vars hold the URL of add-on %s, which was destroyed with its data. Roll back to a later release, or set the config vars yourself.", target.Version, name)
	}
	if name, err = s.store.RotatedAddonName(ctx, urls); err != nil {
		return err
	}
	if name != "" {
		return bera.Errorf(bera.EInvalid, "Cannot roll back to v%d: its config vars hold credentials of add-on %s that were rotated since and no longer work. Roll back to a release made after the rotation, or set the config vars yourself.", target.Version, name)
	}
	return nil
}

// addonPrice is every Bera add-on's price: Bera bills nobody.
var addonPrice = wire.Price{Cents: 0, Contract: false, Unit: "month", Metered: false}

// toAddon shapes a with the expansions Heroku's CLI reads; config_vars are those its
// attachments set on its own app.
func (s *Server) toAddon(ctx context.Context, a *bera.Addon) (wire.Addon, error) {
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		return wire.Addon{}, err
	}
	vars := []string{}
	for _, t := range atts {
		if t.AppID == a.AppID {
			vars = append(vars, t.ConfigVar())
		}
	}
	human := a.Service
	if svc, err := s.service(a.Service); err == nil {
		human = svc.HumanName
	}
	price := addonPrice
	j := wire.Addon{
		Actions:       []string{},
		AddonService:  wire.AddonServiceRef{ID: stableID("addon-service", a.Service), Name: a.Service, HumanName: human},
		App:           wire.IDName{ID: a.AppID, Name: a.AppName},
		BilledPrice:   &price,
		BillingEntity: wire.BillingEntity{ID: a.AppID, Name: a.AppName, Type: "app"},
		ConfigVars:    vars,
		CreatedAt:     ts(a.CreatedAt),
		ID:            a.ID,
		Name:          a.Name,
		Plan:          wire.AddonPlanRef{ID: stableID("addon-plan", a.Plan), Name: a.Plan, Price: addonPrice},
		ProviderID:    a.ID,
		State:         a.State,
		UpdatedAt:     ts(a.UpdatedAt),
	}
	if a.Message != "" {
		j.ProvisionMessage = &a.Message
	}
	return j, nil
}

// toAttachment shapes t with its add-on and plan and the config var it sets.
func (s *Server) toAttachment(ctx context.Context, t *bera.AddonAttachment) (wire.AddonAttachment, error) {
	a, err := s.store.Addon(ctx, t.AddonID)
	if err != nil {
		return wire.AddonAttachment{}, err
	}
	j := wire.AddonAttachment{
		Addon: wire.AddonRef{ID: a.ID, Name: a.Name, App: wire.IDName{ID: a.AppID, Name: a.AppName},
			Plan: wire.IDName{ID: stableID("addon-plan", a.Plan), Name: a.Plan}},
		App:        wire.IDName{ID: t.AppID, Name: t.AppName},
		ConfigVars: []string{t.ConfigVar()},
		CreatedAt:  ts(t.CreatedAt),
		ID:         t.ID,
		Name:       t.Name,
		UpdatedAt:  ts(t.UpdatedAt),
	}
	if t.Namespace != "" {
		j.Namespace = &t.Namespace
	}
	return j, nil
}

func toAddonService(svc addons.Service) wire.AddonService {
	return wire.AddonService{CreatedAt: catalogTime, HumanName: svc.HumanName, ID: stableID("addon-service", svc.Name),
		Name: svc.Name, State: "ga", SupportsMultipleInstallations: true, SupportsSharing: true, UpdatedAt: catalogTime}
}

func toAddonPlan(svc addons.Service, p addons.Plan) wire.AddonPlan {
	return wire.AddonPlan{
		AddonService:                     wire.IDName{ID: stableID("addon-service", svc.Name), Name: svc.Name},
		Compliance:                       []string{},
		CreatedAt:                        catalogTime,
		Default:                          p.Default,
		Description:                      p.Description,
		HumanName:                        p.HumanName,
		ID:                               stableID("addon-plan", p.Name),
		InstallableInsidePrivateNetwork:  true,
		InstallableOutsidePrivateNetwork: true,
		Name:                             p.Name,
		Price:                            addonPrice,
		State:                            "public",
		UpdatedAt:                        catalogTime,
		Visible:                          true,
	}
}

// ResumeAddons provisions again, in the background, the add-ons a previous server left
// provisioning: it stopped before their instance was ready or before their attach
// releases. What their instance had is removed first; the options given at creation are
// not kept, so they get the plan's defaults. Backup dumps an older server kept as files
// move into BackupBlobs first.
func (s *Server) ResumeAddons(ctx context.Context) error {
	if err := s.adoptDumps(ctx); err != nil {
		return err
	}
	if s.cfg.Addons == nil {
		return nil
	}
	list, err := s.store.ListAddons(ctx, "")
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.State != bera.AddonProvisioning {
			continue
		}
		prov, err := s.cfg.Addons.Provider(a.Service)
		if err != nil {
			s.log.Warn("add-on of a service not enabled", "addon", a.Name, "service", a.Service)
			continue
		}
		if err := prov.Deprovision(ctx, a.ID); err != nil && !errors.Is(err, addons.ErrNotFound) {
			s.log.Warn("removing an interrupted add-on's instance", "addon", a.Name, "err", err)
		}
		s.log.Info("provisioning an interrupted add-on again", "addon", a.Name)
		s.provisionLater(a, prov, nil, nil)
	}
	return nil
}
