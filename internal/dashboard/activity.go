package dashboard

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// activityView is the Activity tab: the app's releases and, next to them, its builds with
// their output; both newest first.
type activityView struct {
	appBase
	Releases []wire.Release
	Builds   []buildItem
	Confirm  *wire.Release // the release a rollback waits to be confirmed for
}

// buildItem is a build of the Activity tab with the version of the release it made (0
// when it made none, or that release is older than the releases shown).
type buildItem struct {
	wire.Build
	Version int
}

// activityLimit is how many releases the Activity tab shows.
const activityLimit = 50

func (d *Dashboard) handleActivity(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "activity", "Activity")
	if err != nil {
		return err
	}
	v := activityView{appBase: f}
	if v.Releases, err = c.Releases(r.Context(), f.App.Name, activityLimit); err != nil {
		return err
	}
	builds, err := c.Builds(r.Context(), f.App.Name)
	if err != nil {
		return err
	}
	v.Builds = newestBuilds(builds, v.Releases, activityLimit)
	if id := r.URL.Query().Get("rollback"); id != "" {
		for i := range v.Releases {
			if v.Releases[i].ID == id {
				v.Confirm = &v.Releases[i]
			}
		}
	}
	d.render(w, r, http.StatusOK, "activity", v)
	return nil
}

// handleRollback rolls back to a release; without confirm=yes it asks first.
func (d *Dashboard) handleRollback(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, id := r.PathValue("app"), r.PostForm.Get("release")
	back := appURL(app, "activity")
	if r.PostForm.Get("confirm") != "yes" {
		return back + "?rollback=" + urlQuery(id) + "#confirm", nil
	}
	rel, err := c.Rollback(r.Context(), app, id)
	if err != nil {
		return back, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Rolled back: created v" + strconv.Itoa(rel.Version) + "."})
	return back, nil
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// newestBuilds returns the last n of builds (which the API lists oldest first), newest
// first, each with the version of its release among rels.
func newestBuilds(builds []wire.Build, rels []wire.Release, n int) []buildItem {
	version := make(map[string]int, len(rels))
	for _, r := range rels {
		version[r.ID] = r.Version
	}
	out := make([]buildItem, 0, min(n, len(builds)))
	for i := len(builds) - 1; i >= 0 && len(out) < n; i-- {
		b := buildItem{Build: builds[i]}
		if b.Release != nil {
			b.Version = version[b.Release.ID]
		}
		out = append(out, b)
	}
	return out
}
