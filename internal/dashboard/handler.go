package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
)

// handlerFunc is a handler that returns its error; the adapters render it as a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// pageFunc renders a page for a signed-in user, calling the API with c.
type pageFunc func(w http.ResponseWriter, r *http.Request, c *client.Client) error

// actionFunc handles a signed-in user's form post. It returns where to go next (303), also
// on a user error (invalid input, a name taken), which is then shown there as a flash.
type actionFunc func(w http.ResponseWriter, r *http.Request, c *client.Client) (next string, err error)

type sessionKey struct{}

// sessionFrom returns the request's session, nil when signed out.
func sessionFrom(ctx context.Context) *session {
	s, _ := ctx.Value(sessionKey{}).(*session)
	return s
}

// maxFormBytes bounds a form post (a config var value is the largest field).
const maxFormBytes = 256 << 10

// public serves h with the session, if any, in the context.
func (d *Dashboard) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = d.withSession(r)
		if err := h(w, r); err != nil {
			d.fail(w, r, err)
		}
	})
}

func (d *Dashboard) withSession(r *http.Request) *http.Request {
	ctx := withRemoteAddr(r.Context(), r.RemoteAddr)
	if c, err := r.Cookie(cookieName); err == nil {
		if sess := d.sessions.get(c.Value); sess != nil {
			ctx = context.WithValue(ctx, sessionKey{}, sess)
		}
	}
	return r.WithContext(ctx)
}

// page serves a page to a signed-in user; others are sent to the sign-in page.
func (d *Dashboard) page(h pageFunc) http.Handler {
	return d.public(func(w http.ResponseWriter, r *http.Request) error {
		sess := sessionFrom(r.Context())
		if sess == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return nil
		}
		w.Header().Set("Cache-Control", "no-store")
		return h(w, r, d.client(r, sess))
	})
}

// action serves a form post of a signed-in user that carries the session's CSRF token and
// comes from this origin.
func (d *Dashboard) action(h actionFunc) http.Handler {
	return d.sameOrigin(d.public(func(w http.ResponseWriter, r *http.Request) error {
		sess := sessionFrom(r.Context())
		if sess == nil {
			return errorf(http.StatusForbidden, "Signed out", "Your session has ended. Sign in again, then repeat what you were doing.")
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			return errorf(http.StatusBadRequest, "Bad form", "The form could not be read.")
		}
		if !sess.validCSRF(r.PostForm.Get("csrf")) {
			return errForbiddenPost
		}
		next, err := h(w, r, d.client(r, sess))
		if err != nil {
			if msg, ok := userError(err); ok && next != "" {
				d.sessions.setFlash(sess, flash{Error: true, Text: msg})
			} else {
				return err
			}
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}))
}

// sameOrigin refuses cross-origin posts (Sec-Fetch-Site, then Origin against Host) with
// an error page.
func (d *Dashboard) sameOrigin(h http.Handler) http.Handler {
	protect := http.NewCrossOriginProtection()
	protect.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.fail(w, r, errForbiddenPost)
	}))
	return protect.Handler(h)
}

var errForbiddenPost = errorf(http.StatusForbidden, "Request refused",
	"This form was not sent from the dashboard (its security token is missing or wrong). Reload the page and try again.")

// userError returns the API's message for an error the user can fix on the same page.
func userError(err error) (string, bool) {
	var ce *client.Error
	if errors.As(err, &ce) {
		switch ce.StatusCode {
		case http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity, http.StatusLocked:
			return ce.Message, true
		case http.StatusNotFound:
			// A missing user or release can be fixed on the page; a missing app cannot.
			return ce.Message, ce.Resource != "" && ce.Resource != "app"
		}
	}
	var pe *pageError
	if errors.As(err, &pe) && pe.status == http.StatusUnprocessableEntity {
		return pe.message, true
	}
	return "", false
}

// client returns an API client for the session, served in process by the API handler. Its
// URL carries the browser's host, so URLs the API builds from it are the ones the browser
// uses.
func (d *Dashboard) client(r *http.Request, sess *session) *client.Client {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" || strings.ContainsAny(host, "/?#@") {
		host = "localhost"
	}
	token := ""
	if sess != nil {
		token = sess.token
	}
	c, err := client.New(client.Config{URL: scheme + "://" + host, APIKey: token, UserAgent: "bera-dashboard", HTTPClient: d.hc})
	if err != nil {
		// The host came from a request the server accepted; fall back to a fixed one.
		c, _ = client.New(client.Config{URL: "http://localhost", APIKey: token, UserAgent: "bera-dashboard", HTTPClient: d.hc})
	}
	return c
}
