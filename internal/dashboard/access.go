package dashboard

import (
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// accessView is the Access tab: who may use the app.
type accessView struct {
	appBase
	Collaborators []wire.Collaborator
}

func (d *Dashboard) handleAccess(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "access", "Access")
	if err != nil {
		return err
	}
	v := accessView{appBase: f}
	if v.Collaborators, err = c.Collaborators(r.Context(), f.App.Name); err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "access", v)
	return nil
}

// handleCollaboratorAdd gives an existing account access to the app.
func (d *Dashboard) handleCollaboratorAdd(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, email := r.PathValue("app"), strings.TrimSpace(r.PostForm.Get("email"))
	back := appURL(app, "access")
	if _, err := c.AddCollaborator(r.Context(), app, email); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Added " + email + "."})
	return back, nil
}

// handleCollaboratorRemove takes a collaborator's access away.
func (d *Dashboard) handleCollaboratorRemove(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, email := r.PathValue("app"), r.PostForm.Get("email")
	back := appURL(app, "access")
	if err := c.RemoveCollaborator(r.Context(), app, email); err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Removed " + email + "."})
	return back, nil
}
