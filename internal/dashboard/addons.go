package dashboard

import (
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// addonService is a service of the Resources tab's add form with its plans, which the form
// offers as one select grouped by service (service + plan in one choice, no script).
type addonService struct {
	Service wire.AddonService
	Plans   []wire.AddonPlan
}

// addonOffer loads the services the server offers and their plans.
func addonOffer(r *http.Request, c *client.Client) ([]addonService, error) {
	svcs, err := c.AddonServices(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]addonService, 0, len(svcs))
	for _, s := range svcs {
		plans, err := c.AddonPlans(r.Context(), s.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, addonService{Service: s, Plans: plans})
	}
	return out, nil
}

// ownAddon returns the add-on id of app (by id), or nil: the remove form only destroys an
// add-on the app owns, never one another app shares with it.
func ownAddon(r *http.Request, c *client.Client, app, id string) (*wire.Addon, error) {
	list, err := c.Addons(r.Context(), app)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id && list[i].App.Name == app {
			return &list[i], nil
		}
	}
	return nil, nil
}

// handleAddonCreate adds an add-on of the chosen plan ("service:plan"); it is provisioned in
// the background and the Resources tab shows its state.
func (d *Dashboard) handleAddonCreate(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	back := appURL(app, "resources")
	plan := strings.TrimSpace(r.PostForm.Get("plan"))
	if plan == "" {
		return back, errorf(http.StatusUnprocessableEntity, "Invalid", "Choose an add-on plan.")
	}
	a, err := c.CreateAddon(r.Context(), app, wire.AddonCreate{Plan: wire.NameRef(plan)})
	if err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Added " + a.Name + " (" + a.Plan.Name + "): " + a.State + "."})
	return back + "#addons", nil
}

// handleAddonRemove destroys an add-on of the app and its data; without confirm=yes it goes
// back to the Resources tab, which asks to confirm.
func (d *Dashboard) handleAddonRemove(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, id := r.PathValue("app"), r.PostForm.Get("addon")
	back := appURL(app, "resources")
	a, err := ownAddon(r, c, app, id)
	if err != nil {
		return back, err
	}
	if a == nil {
		return back, errorf(http.StatusNotFound, "Not found", "Couldn't find that add-on on this app.")
	}
	if r.PostForm.Get("confirm") != "yes" {
		return back + "?remove=" + urlQuery(a.ID) + "#confirm-addon", nil
	}
	if _, err := c.DestroyAddon(r.Context(), a.ID); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Removed " + a.Name + "."})
	return back + "#addons", nil
}
