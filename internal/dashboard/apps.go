package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// appsPerPage is how many apps a page of the list shows. Each row costs one API request of
// the user's budget (its dynos), so a page stays well inside it.
const appsPerPage = 50

// appsView is the apps list.
type appsView struct {
	base
	Apps       []appRow
	Total      int // apps before the filter
	Query      string
	Page       int // 1-based
	Prev, Next string
}

// appRow is one app of the list.
type appRow struct {
	Name       string
	Owner      string
	ReleasedAt string // "" before the first release
	Dynos      int
	Status     string // Heroku's words: "Running", "Crashed", "Starting", "No dynos", "Maintenance"
}

func (d *Dashboard) handleAppList(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	apps, err := c.Apps(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := appsView{base: d.baseFor(r, "Apps"), Total: len(apps), Query: strings.TrimSpace(q.Get("q")), Page: 1}
	apps = filterApps(apps, v.Query)
	slices.SortFunc(apps, func(a, b wire.App) int { return strings.Compare(a.Name, b.Name) })
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		v.Page = min(n, max(1, (len(apps)+appsPerPage-1)/appsPerPage))
	}
	from := (v.Page - 1) * appsPerPage
	to := min(len(apps), from+appsPerPage)
	v.Prev, v.Next = pageLink(v.Query, v.Page-1, v.Page > 1), pageLink(v.Query, v.Page+1, to < len(apps))
	apps = apps[from:to]
	v.Apps = make([]appRow, len(apps))
	g, ctx := errgroup.WithContext(r.Context())
	g.SetLimit(8)
	for i, a := range apps {
		g.Go(func() error {
			row, err := loadAppRow(ctx, c, a)
			v.Apps[i] = row
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "apps", v)
	return nil
}

// pageLink is the URL of page n of the list filtered by q, "" when !ok.
func pageLink(q string, n int, ok bool) string {
	if !ok {
		return ""
	}
	v := url.Values{"page": {strconv.Itoa(n)}}
	if q != "" {
		v.Set("q", q)
	}
	return "/apps?" + v.Encode()
}

// filterApps keeps the apps whose name contains q (case-insensitive).
func filterApps(apps []wire.App, q string) []wire.App {
	if q == "" {
		return apps
	}
	q = strings.ToLower(q)
	return slices.DeleteFunc(apps, func(a wire.App) bool { return !strings.Contains(strings.ToLower(a.Name), q) })
}

// loadAppRow fetches an app's dynos. An app deleted meanwhile keeps a row without dynos
// rather than failing the list.
func loadAppRow(ctx context.Context, c *client.Client, a wire.App) (appRow, error) {
	row := appRow{Name: a.Name, Owner: a.Owner.Email, Status: "No dynos"}
	if a.ReleasedAt != nil {
		row.ReleasedAt = *a.ReleasedAt
	}
	dynos, err := c.Dynos(ctx, a.Name)
	if client.IsNotFound(err) {
		return row, nil
	}
	if err != nil {
		return row, err
	}
	row.Dynos = len(dynos)
	row.Status = dynoStatus(dynos)
	if a.Maintenance {
		row.Status = "Maintenance"
	}
	return row, nil
}

// dynoStatus sums up dyno states the way the apps list shows them.
func dynoStatus(dynos []wire.Dyno) string {
	if len(dynos) == 0 {
		return "No dynos"
	}
	status := "Running"
	for _, dy := range dynos {
		switch dy.State {
		case bera.DynoCrashed:
			return "Crashed"
		case bera.DynoStarting:
			status = "Starting"
		}
	}
	return status
}

// handleAppCreate creates an app and, given a Git URL, connects it and starts its first build.
func (d *Dashboard) handleAppCreate(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	sess := sessionFrom(r.Context())
	name := strings.TrimSpace(r.PostForm.Get("name"))
	repo := strings.TrimSpace(r.PostForm.Get("git_url"))
	branch := strings.TrimSpace(r.PostForm.Get("branch"))
	in := wire.AppCreate{}
	if name != "" {
		in.Name = &name
	}
	app, err := c.CreateApp(r.Context(), in)
	if err != nil {
		return "/apps", err
	}
	next := "/apps/" + app.Name
	if repo == "" {
		d.sessions.setFlash(sess, flash{Text: "Created " + app.Name + "."})
		return next, nil
	}
	upd := wire.AppSourceUpdate{RepoURL: &repo}
	if branch != "" {
		upd.Branch = &branch
	}
	if _, err := c.UpdateAppSource(r.Context(), app.Name, upd); err != nil {
		return next + "/deploy", createdBut(app.Name, err)
	}
	if _, err := c.CreateBuild(r.Context(), app.Name, wire.BuildCreate{Git: &wire.GitSource{}}); err != nil {
		return next + "/activity", createdBut(app.Name, err)
	}
	d.sessions.setFlash(sess, flash{Text: "Created " + app.Name + " and started a build from " + repo + "."})
	return next + "/activity", nil
}

// createdBut is a user error for a step after the app was created.
func createdBut(app string, err error) error {
	msg := err.Error()
	if m, ok := userError(err); ok {
		msg = m
	}
	return errorf(http.StatusUnprocessableEntity, "Created", "Created "+app+", but could not deploy from Git: "+msg)
}
