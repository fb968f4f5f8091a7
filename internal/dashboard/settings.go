package dashboard

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// settingsView is the Settings tab: config vars (values hidden until revealed), rename and
// delete.
type settingsView struct {
	appBase
	Revealed bool
	Vars     []configVar
}

// configVar is one config var; Value is empty unless revealed.
type configVar struct {
	Key, Value string
}

func (d *Dashboard) handleSettings(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "settings", "Settings")
	if err != nil {
		return err
	}
	v := settingsView{appBase: f, Revealed: r.URL.Query().Get("reveal") == "config"}
	if v.Revealed {
		vars, err := c.ConfigVars(r.Context(), f.App.Name)
		if err != nil {
			return err
		}
		for k, val := range vars {
			v.Vars = append(v.Vars, configVar{Key: k, Value: val})
		}
		slices.SortFunc(v.Vars, func(a, b configVar) int { return strings.Compare(a.Key, b.Key) })
	}
	d.render(w, r, http.StatusOK, "settings", v)
	return nil
}

// revealed is the Settings tab with the config vars shown.
func revealed(app string) string { return appURL(app, "settings") + "?reveal=config#config-vars" }

// handleConfigSet adds or changes one config var (a new release).
func (d *Dashboard) handleConfigSet(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	key := strings.TrimSpace(r.PostForm.Get("key"))
	val := r.PostForm.Get("value")
	if key == "" {
		return revealed(app), errorf(http.StatusUnprocessableEntity, "Invalid", "Enter a key for the config var.")
	}
	if _, err := c.UpdateConfigVars(r.Context(), app, wire.ConfigVarsUpdate{key: &val}); err != nil {
		return revealed(app), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Set " + key + "."})
	return revealed(app), nil
}

// handleConfigDelete removes one config var (a new release).
func (d *Dashboard) handleConfigDelete(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, key := r.PathValue("app"), r.PostForm.Get("key")
	if _, err := c.UpdateConfigVars(r.Context(), app, wire.ConfigVarsUpdate{key: nil}); err != nil {
		return revealed(app), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Removed " + key + "."})
	return revealed(app), nil
}

// handleRename renames the app.
func (d *Dashboard) handleRename(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, name := r.PathValue("app"), strings.TrimSpace(r.PostForm.Get("name"))
	a, err := c.UpdateApp(r.Context(), app, wire.AppUpdate{Name: &name})
	if err != nil {
		return appURL(app, "settings"), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Renamed " + app + " to " + a.Name + "."})
	return appURL(a.Name, "settings"), nil
}

// handleAppDelete deletes the app once its name was typed to confirm.
func (d *Dashboard) handleAppDelete(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	if strings.TrimSpace(r.PostForm.Get("confirm")) != app {
		return appURL(app, "settings"), errorf(http.StatusUnprocessableEntity, "Not confirmed",
			"Type the app's name, "+app+", to confirm deleting it.")
	}
	if err := c.DeleteApp(r.Context(), app); err != nil {
		return appURL(app, "settings"), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Deleted " + app + "."})
	return "/apps", nil
}
