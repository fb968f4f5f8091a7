package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Addons is the add-on services the API provisions from. *addons.Registry satisfies it;
// the API never imports the providers themselves.
type Addons interface {
	// Services lists the services sorted by name.
	Services() []addons.Service
	// Provider returns the provider of a service; addons.ErrUnknownService.
	Provider(service string) (addons.Provider, error)
	// Lookup resolves "service:plan" or "service"; addons.ErrUnknownService or ErrUnknownPlan.
	Lookup(name string) (addons.Provider, addons.Plan, error)
}

// AddonStore is the part of Store that keeps add-ons and their attachments.
type AddonStore interface {
	CreateAddon(ctx context.Context, a *bera.Addon, att *bera.AddonAttachment) error
	Addon(ctx context.Context, idOrName string) (*bera.Addon, error)
	ListAddons(ctx context.Context, appID string) ([]*bera.Addon, error)
	SetAddonState(ctx context.Context, id, state, message, url string) error
	DestroyAddon(ctx context.Context, id string) error
	// RotateAddonURL sets the add-on's URL after a rotation and retires the old one.
	RotateAddonURL(ctx context.Context, id, url string) error
	// DestroyedAddonName names a destroyed add-on whose URL, current or retired, is one of
	// urls ("" for none).
	DestroyedAddonName(ctx context.Context, urls []string) (string, error)
	// RotatedAddonName names an add-on one of whose retired URLs is one of urls ("" for none).
	RotatedAddonName(ctx context.Context, urls []string) (string, error)
	CreateAttachment(ctx context.Context, att *bera.AddonAttachment) error
	Attachment(ctx context.Context, id string) (*bera.AddonAttachment, error)
	ListAttachments(ctx context.Context, appID, addonID string) ([]*bera.AddonAttachment, error)
	DeleteAttachment(ctx context.Context, id string) error
}

// errNoAddons answers add-on creation on a server run without add-on services.
func errNoAddons() error {
	return bera.Errorf(bera.EUnavailable, "Add-ons are not enabled on this server.")
}

// errAddonNotFound is the 404 Heroku's CLI recognises (resource add_on).
func errAddonNotFound() error {
	return &bera.Error{Code: bera.ENotFound, Resource: "add_on", Message: "Couldn't find that add-on."}
}

// services lists the registered add-on services (none without Config.Addons).
func (s *Server) services() []addons.Service {
	if s.cfg.Addons == nil {
		return nil
	}
	return s.cfg.Addons.Services()
}

// service returns the service named name. ENotFound "add-on service".
func (s *Server) service(name string) (addons.Service, error) {
	for _, svc := range s.services() {
		if svc.Name == name || stableID("addon-service", svc.Name) == name {
			return svc, nil
		}
	}
	return addons.Service{}, bera.NotFound("add-on service")
}

func (s *Server) handleAddonServiceList(w http.ResponseWriter, r *http.Request) error {
	out := []wire.AddonService{}
	for _, svc := range s.services() {
		out = append(out, toAddonService(svc))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddonServiceInfo(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.service(r.PathValue("service"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toAddonService(svc))
}

func (s *Server) handleAddonPlanList(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.service(r.PathValue("service"))
	if err != nil {
		return err
	}
	out := make([]wire.AddonPlan, 0, len(svc.Plans))
	for _, p := range svc.Plans {
		out = append(out, toAddonPlan(svc, p))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAddonPlanInfo(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.service(r.PathValue("service"))
	if err != nil {
		return err
	}
	name := r.PathValue("plan")
	for _, p := range svc.Plans {
		if p.Name == name || p.Name == svc.Name+":"+name || stableID("addon-plan", p.Name) == name {
			return writeJSON(w, http.StatusOK, toAddonPlan(svc, p))
		}
	}
	return bera.NotFound("plan")
}

// canSee reports whether the caller has a role on the app appID.
func (s *Server) canSee(ctx context.Context, appID string) bool {
	_, err := s.store.Role(ctx, appID, bera.UserFrom(ctx).ID)
	return err == nil
}

// addonFor returns the add-on idOrName names when the caller may see it: a member of its
// app or of an app it is attached to. ENotFound "add_on" otherwise.
func (s *Server) addonFor(ctx context.Context, idOrName string) (*bera.Addon, error) {
	a, err := s.store.Addon(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if s.canSee(ctx, a.AppID) {
		return a, nil
	}
	atts, err := s.store.ListAttachments(ctx, "", a.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range atts {
		if s.canSee(ctx, t.AppID) {
			return a, nil
		}
	}
	return nil, errAddonNotFound()
}

// appAddons lists the add-ons billed to app and then those of other apps attached to it.
func (s *Server) appAddons(ctx context.Context, app *bera.App) ([]*bera.Addon, error) {
	list, err := s.store.ListAddons(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	atts, err := s.store.ListAttachments(ctx, app.ID, "")
	if err != nil {
		return nil, err
	}
	for _, t := range atts {
		if slices.ContainsFunc(list, func(a *bera.Addon) bool { return a.ID == t.AddonID }) {
			continue
		}
		a, err := s.store.Addon(ctx, t.AddonID)
		if err != nil {
			return nil, err
		}
		list = append(list, a)
	}
	return list, nil
}

// appAddon finds an add-on of app (billed or attached) by id, name or attachment name.
func (s *Server) appAddon(ctx context.Context, app *bera.App, key string) (*bera.Addon, error) {
	list, err := s.appAddons(ctx, app)
	if err != nil {
		return nil, err
	}
	atts, err := s.store.ListAttachments(ctx, app.ID, "")
	if err != nil {
		return nil, err
	}
	for _, a := range list {
		if a.ID == key || a.Name == key {
			return a, nil
		}
	}
	for _, t := range atts {
		if strings.EqualFold(t.Name, key) || strings.EqualFold(t.ConfigVar(), key) {
			return s.store.Addon(ctx, t.AddonID)
		}
	}
	return nil, errAddonNotFound()
}

func (s *Server) handleAppAddonList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	list, err := s.appAddons(r.Context(), app)
	if err != nil {
		return err
	}
	return s.writeAddons(w, r, list)
}

// handleAddonList lists the add-ons of every app the caller is a member of.
func (s *Server) handleAddonList(w http.ResponseWriter, r *http.Request) error {
	apps, err := s.store.ListApps(r.Context(), bera.UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	var list []*bera.Addon
	for _, app := range apps {
		more, err := s.store.ListAddons(r.Context(), app.ID)
		if err != nil {
			return err
		}
		list = append(list, more...)
	}
	return s.writeAddons(w, r, list)
}

func (s *Server) writeAddons(w http.ResponseWriter, r *http.Request, list []*bera.Addon) error {
	out := make([]wire.Addon, 0, len(list))
	for _, a := range list {
		j, err := s.toAddon(r.Context(), a)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAppAddonInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	a, err := s.appAddon(r.Context(), app, r.PathValue("addon"))
	if err != nil {
		return err
	}
	return s.writeAddon(w, r, http.StatusOK, a)
}

func (s *Server) handleAddonInfo(w http.ResponseWriter, r *http.Request) error {
	a, err := s.addonFor(r.Context(), r.PathValue("addon"))
	if err != nil {
		return err
	}
	return s.writeAddon(w, r, http.StatusOK, a)
}

func (s *Server) writeAddon(w http.ResponseWriter, r *http.Request, status int, a *bera.Addon) error {
	j, err := s.toAddon(r.Context(), a)
	if err != nil {
		return err
	}
	return writeJSON(w, status, j)
}

// handleAddonCreate creates an add-on on the app's bill, attached to it, and provisions it
// in the background: the answer says "provisioning", and the attach release follows once
// the instance takes connections (addons:create --wait polls for it).
func (s *Server) handleAddonCreate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var body wire.AddonCreate
	if err := decode(r, &body, false); err != nil {
		return err
	}
	if s.cfg.Addons == nil {
		return errNoAddons()
	}
	prov, plan, err := s.cfg.Addons.Lookup(string(body.Plan))
	if errors.Is(err, addons.ErrUnknownService) || errors.Is(err, addons.ErrUnknownPlan) {
		return &bera.Error{Code: bera.ENotFound, Resource: "add_on",
			Message: "Couldn't find either the add-on service or the add-on plan of \"" + string(body.Plan) + "\"."}
	}
	if err != nil {
		return err
	}
	a := &bera.Addon{AppID: app.ID, AppName: app.Name, Service: prov.Service().Name, Plan: plan.Name}
	att, err := s.newAttachment(r.Context(), app, a.Service, attachmentName(body.Attachment))
	if err != nil {
		return err
	}
	if err := s.createAddon(r.Context(), a, att, body.Name); err != nil {
		return err
	}
	user := bera.UserFrom(r.Context())
	s.addonLog(app.ID, user, fmt.Sprintf("Provisioning @ref:%s (%s)", a.Name, a.Plan))
	s.addonChanged(a, events.AddonProvisioning, att.Name, []string{app.ID})
	config := map[string]string{}
	for k, v := range body.Config {
		config[k] = string(v)
	}
	s.provisionLater(a, prov, config, user)
	return s.writeAddon(w, r, http.StatusCreated, a)
}

func attachmentName(a *wire.AttachmentName) string {
	if a == nil {
		return ""
	}
	return a.Name
}

// createAddon stores a with its first attachment, under name or a generated one (drawn
// again when taken).
func (s *Server) createAddon(ctx context.Context, a *bera.Addon, att *bera.AddonAttachment, name string) error {
	if name != "" {
		if !validAddonName.MatchString(name) {
			return bera.Errorf(bera.EInvalid, "Add-on names start with a letter and hold letters, digits, '-' and '_' (at most 64).")
		}
		a.Name = name
		return s.store.CreateAddon(ctx, a, att)
	}
	var err error
	for range 5 {
		a.Name = addonName(a.Service)
		if err = s.store.CreateAddon(ctx, a, att); bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(bera.ErrorMessage(err), a.Name) {
			return err
		}
	}
	return err
}

// handleAddonDestroy detaches the add-on from every app (a release each), deprovisions its
// instance, which removes its data, and forgets it. Members of its app may destroy it.
func (s *Server) handleAddonDestroy(w http.ResponseWriter, r *http.Request) error {
	var a *bera.Addon
	var err error
	if r.PathValue("app") != "" {
		app, _, err := s.appFor(r)
		if err != nil {
			return err
		}
		a, err = s.appAddon(r.Context(), app, r.PathValue("addon"))
		if err != nil {
			return err
		}
	} else if a, err = s.addonFor(r.Context(), r.PathValue("addon")); err != nil {
		return err
	}
	if !s.canSee(r.Context(), a.AppID) {
		return bera.Errorf(bera.EForbidden, "Only members of %s, the add-on's app, can destroy %s.", a.AppName, a.Name)
	}
	j, err := s.toAddon(r.Context(), a)
	if err != nil {
		return err
	}
	if err := s.destroyAddon(r.Context(), a, bera.UserFrom(r.Context())); err != nil {
		return err
	}
	j.State = bera.AddonDeprovisioned
	return writeJSON(w, http.StatusOK, j)
}

// handleAddonResolve finds add-ons by id, name or attachment name, with "app::addon" or an
// app in the body scoping the search to that app: Heroku's AddonResolver.
func (s *Server) handleAddonResolve(w http.ResponseWriter, r *http.Request) error {
	var body wire.AddonResolve
	if err := decode(r, &body, false); err != nil {
		return err
	}
	appName, key := "", body.Addon
	if body.App != nil {
		appName = *body.App
	}
	if before, after, ok := strings.Cut(key, "::"); ok {
		appName, key = before, after
	}
	var a *bera.Addon
	var err error
	if appName != "" {
		app, aerr := s.memberApp(r.Context(), appName)
		if aerr != nil {
			return aerr
		}
		a, err = s.appAddon(r.Context(), app, key)
	} else {
		a, err = s.addonFor(r.Context(), key)
	}
	if err != nil {
		return err
	}
	if body.AddonService != "" && a.Service != body.AddonService {
		return errAddonNotFound()
	}
	return s.writeAddons(w, r, []*bera.Addon{a})
}

// memberApp returns the app idOrName when the caller is one of its members.
func (s *Server) memberApp(ctx context.Context, idOrName string) (*bera.App, error) {
	app, err := s.store.App(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if !s.canSee(ctx, app.ID) {
		return nil, bera.NotFound("app")
	}
	return app, nil
}
