package dashboard

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

//go:embed templates
var templateFS embed.FS

// pages holds one template set per page: the layout, the shared partials and the page.
type pages struct {
	byName map[string]*template.Template
}

// shared are the templates every page set includes.
var shared = []string{"templates/layout.html", "templates/apptabs.html"}

func parsePages(as *assets, now func() time.Time) (*pages, error) {
	funcs := template.FuncMap{
		"asset": as.url,
		"ago":   func(ts string) string { return ago(ts, now()) },
		"plural": func(n int, one, many string) string {
			if n == 1 {
				return one
			}
			return many
		},
		"formatMS": formatValue,
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pages{byName: map[string]*template.Template{}}
	for _, f := range files {
		if isShared(f) {
			continue
		}
		t, err := template.New(path.Base(f)).Funcs(funcs).ParseFS(templateFS, append([]string{f}, shared...)...)
		if err != nil {
			return nil, fmt.Errorf("parse dashboard template %s: %w", f, err)
		}
		ps.byName[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return ps, nil
}

func isShared(f string) bool {
	for _, s := range shared {
		if s == f {
			return true
		}
	}
	return false
}

// base is what every page shows around its content.
type base struct {
	Title string
	Email string // the signed-in user, "" when signed out
	CSRF  string // the session's CSRF token, for the forms' hidden field
	Flash *flash
}

// appBase is the frame of an app's pages: the app header with its tabs.
type appBase struct {
	base
	App *wire.App
	Tab string
}

// baseFor returns the frame of a page titled title for r's session.
func (d *Dashboard) baseFor(r *http.Request, title string) base {
	b := base{Title: title}
	if sess := sessionFrom(r.Context()); sess != nil {
		b.Email, b.CSRF, b.Flash = sess.email, sess.csrf, d.sessions.popFlash(sess)
	}
	return b
}

// render writes the page name with view v and status.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, v any) {
	t, ok := d.pages.byName[name]
	var buf bytes.Buffer
	if !ok {
		d.log.Error("dashboard render", "page", name, "err", "no such page")
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		d.log.Error("dashboard render", "page", name, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// ago says how long before now the RFC 3339 time ts was, in Heroku's words ("5 minutes ago").
func ago(ts string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return unit(int(d/time.Minute), "minute")
	case d < 24*time.Hour:
		return unit(int(d/time.Hour), "hour")
	case d < 30*24*time.Hour:
		return unit(int(d/(24*time.Hour)), "day")
	}
	return t.Format("Jan 2, 2006")
}

func unit(n int, name string) string {
	if n == 1 {
		return "1 " + name + " ago"
	}
	return fmt.Sprintf("%d %ss ago", n, name)
}
