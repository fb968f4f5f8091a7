package dashboard

import (
	"net/http"
	"net/url"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// appFrame loads the app of the request's {app} and returns the frame of its tab.
func (d *Dashboard) appFrame(r *http.Request, c *client.Client, tab, title string) (appBase, error) {
	app, err := c.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return appBase{}, err
	}
	return appBase{base: d.baseFor(r, title+" · "+app.Name), App: app, Tab: tab}, nil
}

// appURL is the page of an app's tab ("" is the Overview).
func appURL(app, tab string) string {
	u := "/apps/" + url.PathEscape(app)
	if tab != "" {
		u += "/" + tab
	}
	return u
}

// overviewView is an app's Overview: its formation, installed add-ons and latest activity.
type overviewView struct {
	appBase
	Formation []wire.Formation
	Dynos     int
	Addons    []wire.Addon
	Releases  []wire.Release
}

func (d *Dashboard) handleOverview(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "overview", "Overview")
	if err != nil {
		return err
	}
	v := overviewView{appBase: f}
	if v.Formation, err = c.Formation(r.Context(), f.App.Name); err != nil {
		return err
	}
	for _, p := range v.Formation {
		v.Dynos += p.Quantity
	}
	if v.Addons, err = c.Addons(r.Context(), f.App.Name); err != nil {
		return err
	}
	if v.Releases, err = c.Releases(r.Context(), f.App.Name, 5); err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "overview", v)
	return nil
}
