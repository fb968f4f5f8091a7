package dashboard

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// loginCookie carries the sign-in form's CSRF token (double submit): there is no session yet.
const loginCookie = "bera_login"

// loginView is the sign-in page.
type loginView struct {
	base
	Next       string
	LoginEmail string
	Token      string
	Error      string
}

func (d *Dashboard) handleHome(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	http.Redirect(w, r, "/apps", http.StatusSeeOther)
	return nil
}

func (d *Dashboard) handleLoginForm(w http.ResponseWriter, r *http.Request) error {
	if sessionFrom(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	d.renderLogin(w, r, http.StatusOK, loginView{Next: safeNext(r.URL.Query().Get("next"))})
	return nil
}

// renderLogin renders the sign-in page with a fresh form token.
func (d *Dashboard) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	v.base = d.baseFor(r, "Log in")
	v.Token = randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v.Token, Path: "/", MaxAge: 3600,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.Header().Set("Cache-Control", "no-store")
	d.render(w, r, status, "login", v)
}

// handleLogin signs in: the API checks the password and makes an API key for the session.
func (d *Dashboard) handleLogin(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return errorf(http.StatusBadRequest, "Bad form", "The form could not be read.")
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(r.PostForm.Get("csrf"))) != 1 || ck.Value == "" {
		return errForbiddenPost
	}
	v := loginView{Next: safeNext(r.PostForm.Get("next")), LoginEmail: strings.TrimSpace(r.PostForm.Get("email"))}
	ttl := int64(d.cfg.SessionTTL / time.Second)
	auth, err := d.client(r, nil).Login(r.Context(), v.LoginEmail, r.PostForm.Get("password"),
		wire.AuthorizationCreate{Description: "Bera Dashboard session", ExpiresIn: &ttl, Scope: []string{"global"}})
	var ce *client.Error
	if errors.As(err, &ce) && (ce.StatusCode == http.StatusUnauthorized || ce.StatusCode == http.StatusTooManyRequests) {
		v.Error = ce.Message
		if ce.StatusCode == http.StatusUnauthorized {
			v.Error = "The email or password is not right."
		}
		d.renderLogin(w, r, ce.StatusCode, v)
		return nil
	}
	if err != nil {
		return err
	}
	sess := d.sessions.create(auth.AccessToken.Token, auth.ID, auth.User.Email)
	http.SetCookie(w, sessionCookie(r, sess.id, int(d.cfg.SessionTTL/time.Second)))
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/", MaxAge: -1})
	http.Redirect(w, r, v.Next, http.StatusSeeOther)
	return nil
}

// handleLogout ends the session and revokes its API key.
func (d *Dashboard) handleLogout(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	sess := sessionFrom(r.Context())
	d.sessions.delete(sess.id)
	http.SetCookie(w, sessionCookie(r, "", -1))
	if err := c.DeleteAuthorization(r.Context(), sess.keyID); err != nil && !client.IsNotFound(err) {
		d.log.Warn("revoke dashboard session key", "err", err)
	}
	return "/login", nil
}

// safeNext returns p when it is a path on this site, "/apps" otherwise, so the sign-in
// page cannot send a browser to another site. Backslashes and control characters are
// refused because browsers read "/\\host" and "/\t/host" as "//host".
func safeNext(p string) string {
	const fallback = "/apps"
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, Prefix) {
		return fallback
	}
	for _, c := range p {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return fallback
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return fallback
	}
	return p
}
