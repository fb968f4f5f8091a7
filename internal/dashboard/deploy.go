package dashboard

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// deployView is the Deploy tab: the git remote, the connected repository with automatic
// deploys, and a manual deploy whose build log streams on the page.
type deployView struct {
	appBase
	Source *wire.AppSource // nil when deploys from Git URLs are off
	// SourceOff says why Source is nil (the server has no Git URL deploys).
	SourceOff string
	Build     *wire.Build // the build of ?build=ID, whose log the page streams
}

func (d *Dashboard) handleDeploy(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "deploy", "Deploy")
	if err != nil {
		return err
	}
	v := deployView{appBase: f}
	src, err := c.AppSource(r.Context(), f.App.Name)
	var ce *client.Error
	switch {
	case err == nil:
		v.Source = src
	case errors.As(err, &ce) && ce.StatusCode == http.StatusServiceUnavailable:
		v.SourceOff = ce.Message
	default:
		return err
	}
	if id := r.URL.Query().Get("build"); id != "" {
		if v.Build, err = c.Build(r.Context(), f.App.Name, id); err != nil {
			return err
		}
	}
	d.render(w, r, http.StatusOK, "deploy", v)
	return nil
}

// deployed is the Deploy tab, at its repository section.
func deployed(app string) string { return appURL(app, "deploy") + "#source" }

// sourceApp returns the request's app after checking the user can see it: the API answers
// source requests on a server without them with 503 before it looks at the app.
func sourceApp(r *http.Request, c *client.Client) (string, error) {
	a, err := c.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return "", err
	}
	return a.Name, nil
}

// handleSourceConnect connects a public Git URL and branch to the app.
func (d *Dashboard) handleSourceConnect(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, err := sourceApp(r, c)
	if err != nil {
		return "", err
	}
	repo, branch := strings.TrimSpace(r.PostForm.Get("repo_url")), strings.TrimSpace(r.PostForm.Get("branch"))
	if repo == "" {
		return deployed(app), errorf(http.StatusUnprocessableEntity, "Invalid", "Enter the Git URL of the repository.")
	}
	upd := wire.AppSourceUpdate{RepoURL: &repo, Branch: &branch}
	if _, err := c.UpdateAppSource(r.Context(), app, upd); err != nil {
		return deployed(app), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Connected " + repo + "."})
	return deployed(app), nil
}

// handleAutoDeploy turns automatic deploys (and waiting for CI) on or off.
func (d *Dashboard) handleAutoDeploy(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, err := sourceApp(r, c)
	if err != nil {
		return "", err
	}
	on, ci := r.PostForm.Get("auto_deploy") == "on", r.PostForm.Get("wait_for_ci") == "on"
	if _, err := c.UpdateAppSource(r.Context(), app, wire.AppSourceUpdate{AutoDeploy: &on, WaitForCI: &ci}); err != nil {
		return deployed(app), err
	}
	msg := "Automatic deploys are off."
	if on {
		msg = "Automatic deploys are on."
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: msg})
	return deployed(app), nil
}

// handleDeployBranch builds the connected repository's branch and shows its build log.
func (d *Dashboard) handleDeployBranch(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, err := sourceApp(r, c)
	if err != nil {
		return "", err
	}
	b, err := c.CreateBuild(r.Context(), app, wire.BuildCreate{Git: &wire.GitSource{}})
	if err != nil {
		return deployed(app), err
	}
	return appURL(app, "deploy") + "?build=" + url.QueryEscape(b.ID) + "#build", nil
}

// handleBuildOutput serves GET /dashboard/apps/{app}/builds/{build}/output: the build's
// output as plain text, streamed as it is written until the build ends.
func (d *Dashboard) handleBuildOutput(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	b, err := c.Build(r.Context(), r.PathValue("app"), r.PathValue("build"))
	if err != nil {
		return err
	}
	if b.OutputStreamURL == nil {
		return errorf(http.StatusNotFound, "No build output", "This build has no output to show.")
	}
	out, err := c.OpenBuildOutput(r.Context(), *b.OutputStreamURL)
	if err != nil {
		return err
	}
	defer out.Close()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 32<<10)
	for {
		n, err := out.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil || rc.Flush() != nil {
				return nil
			}
		}
		if err != nil {
			if err != io.EOF && r.Context().Err() == nil {
				d.log.Info("dashboard build output ended", "build", b.ID, "err", err)
			}
			return nil
		}
	}
}
