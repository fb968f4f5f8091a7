package dashboard

import (
	"fmt"
	"io"
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
	EnvText  string // the vars as .env text, for the bulk editor (only when revealed)
	Domains  []wire.Domain
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
		v.EnvText = formatEnvFile(vars)
	}
	if v.Domains, err = c.Domains(r.Context(), f.App.Name); err != nil {
		return err
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

// handleConfigBulk applies .env text to the config vars in one PATCH: its vars are set and,
// with mode=replace, the vars it leaves out are removed.
func (d *Dashboard) handleConfigBulk(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	back := revealed(app)
	vars, err := parseEnvFile(r.PostForm.Get("env"))
	if err != nil {
		return back, errorf(http.StatusUnprocessableEntity, "Invalid", "The .env text could not be read: "+err.Error()+".")
	}
	current, err := c.ConfigVars(r.Context(), app)
	if err != nil {
		return back, err
	}
	upd := wire.ConfigVarsUpdate{}
	for k, v := range vars {
		if old, ok := current[k]; !ok || old != v {
			upd[k] = &v
		}
	}
	removed := 0
	if r.PostForm.Get("mode") == "replace" {
		for k := range current {
			if _, ok := vars[k]; !ok {
				upd[k] = nil
				removed++
			}
		}
	}
	sess := sessionFrom(r.Context())
	if len(upd) == 0 {
		d.sessions.setFlash(sess, flash{Text: "No config vars changed."})
		return back, nil
	}
	if _, err := c.UpdateConfigVars(r.Context(), app, upd); err != nil {
		return back, err
	}
	d.sessions.setFlash(sess, flash{Text: fmt.Sprintf("Updated config vars: %d set, %d removed.", len(upd)-removed, removed)})
	return back, nil
}

// handleConfigExport serves GET /dashboard/apps/{app}/config-vars.env: the config vars as a
// .env file to download.
func (d *Dashboard) handleConfigExport(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	app := r.PathValue("app")
	vars, err := c.ConfigVars(r.Context(), app)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(safeFileRune, app)+`.env"`)
	io.WriteString(w, formatEnvFile(vars))
	return nil
}

func safeFileRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
		return r
	}
	return '_'
}

// handleMaintenance turns maintenance mode on or off.
func (d *Dashboard) handleMaintenance(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	on := r.PostForm.Get("maintenance") == "on"
	if _, err := c.UpdateApp(r.Context(), app, wire.AppUpdate{Maintenance: &on}); err != nil {
		return appURL(app, "settings") + "#maintenance", err
	}
	msg := "Maintenance mode is off."
	if on {
		msg = "Maintenance mode is on: the app answers every request with a maintenance page."
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: msg})
	return appURL(app, "settings") + "#maintenance", nil
}

// handleDomainAdd adds a custom domain.
func (d *Dashboard) handleDomainAdd(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, host := r.PathValue("app"), strings.TrimSpace(r.PostForm.Get("hostname"))
	back := appURL(app, "settings") + "#domains"
	if host == "" {
		return back, errorf(http.StatusUnprocessableEntity, "Invalid", "Enter a domain name.")
	}
	dom, err := c.AddDomain(r.Context(), app, wire.DomainCreate{Hostname: host})
	if err != nil {
		return back, err
	}
	msg := "Added " + dom.Hostname + "."
	if dom.CNAME != nil {
		msg += " Point its DNS at " + *dom.CNAME + "."
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: msg})
	return back, nil
}

// handleDomainRemove removes a custom domain.
func (d *Dashboard) handleDomainRemove(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, host := r.PathValue("app"), r.PostForm.Get("hostname")
	back := appURL(app, "settings") + "#domains"
	if err := c.RemoveDomain(r.Context(), app, host); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Removed " + host + "."})
	return back, nil
}
