package dashboard

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// resourcesView is the Resources tab: each process type with its quantity and size.
type resourcesView struct {
	appBase
	Formation []wire.Formation
	Dynos     []wire.Dyno
	// Confirm is set while a scale waits for confirmation.
	Confirm *scaleConfirm
	// ConfirmRestart is set while More → Restart all dynos waits for confirmation.
	ConfirmRestart bool
	// Addons are the app's add-ons (its own and those shared with it); Offer is what the
	// add form offers, and ConfirmAddon the add-on a removal waits to be confirmed for.
	Addons       []wire.Addon
	Offer        []addonService
	ConfirmAddon *wire.Addon
}

// scaleConfirm is a scale the user asked for and has to confirm.
type scaleConfirm struct {
	Type     string
	From, To int
	Size     string
}

func (d *Dashboard) handleResources(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "resources", "Resources")
	if err != nil {
		return err
	}
	v := resourcesView{appBase: f}
	if v.Formation, err = c.Formation(r.Context(), f.App.Name); err != nil {
		return err
	}
	if v.Dynos, err = c.Dynos(r.Context(), f.App.Name); err != nil {
		return err
	}
	if v.Addons, err = c.Addons(r.Context(), f.App.Name); err != nil {
		return err
	}
	if v.Offer, err = addonOffer(r, c); err != nil {
		return err
	}
	q := r.URL.Query()
	if id := q.Get("remove"); id != "" {
		for i := range v.Addons {
			if v.Addons[i].ID == id && v.Addons[i].App.Name == f.App.Name {
				v.ConfirmAddon = &v.Addons[i]
			}
		}
	}
	v.ConfirmRestart = q.Get("restart") == "all"
	if t := q.Get("scale"); t != "" {
		to, err := strconv.Atoi(q.Get("quantity"))
		for _, p := range v.Formation {
			if p.Type == t && err == nil && to >= 0 {
				v.Confirm = &scaleConfirm{Type: t, From: p.Quantity, To: to, Size: p.Size}
			}
		}
	}
	d.render(w, r, http.StatusOK, "resources", v)
	return nil
}

// handleScale sets a process type's quantity. Without confirm=yes it goes back to the
// Resources tab, which asks to confirm.
func (d *Dashboard) handleScale(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, typ := r.PathValue("app"), r.PathValue("type")
	back := appURL(app, "resources")
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("quantity")))
	if err != nil || n < 0 {
		return back, errorf(http.StatusUnprocessableEntity, "Invalid", "Quantity must be a whole number, 0 or more.")
	}
	if r.PostForm.Get("confirm") != "yes" {
		return back + "?scale=" + urlQuery(typ) + "&quantity=" + strconv.Itoa(n) + "#confirm", nil
	}
	q := wire.Quantity(strconv.Itoa(n))
	if _, err := c.UpdateFormation(r.Context(), app, []wire.FormationUpdate{{Type: typ, Quantity: &q}}); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Scaled " + typ + " to " + strconv.Itoa(n) + "."})
	return back, nil
}
