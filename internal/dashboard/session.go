package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie. Its value is a random id; the API key it stands for
// never leaves the server.
const cookieName = "bera_session"

// session is one signed-in browser.
type session struct {
	id      string // the cookie value
	token   string // the API key the dashboard calls the API with
	keyID   string // the API key's id, revoked on sign-out
	email   string
	csrf    string // every POST of this session must carry it
	expires time.Time
	flash   *flash // shown once on the next page; guarded by sessions.mu
}

// flash is a one-time message on the page after a form post.
type flash struct {
	Error bool
	Text  string
}

// sessions is the in-memory session store: sessions end with the server (the API keys they
// hold expire on their own).
type sessions struct {
	now func() time.Time
	ttl time.Duration

	mu    sync.Mutex // guards the following
	byID  map[string]*session
	swept time.Time
}

func newSessions(now func() time.Time, ttl time.Duration) *sessions {
	return &sessions{now: now, ttl: ttl, byID: map[string]*session{}}
}

// randomToken returns 128 random bits as text.
func randomToken() string { return rand.Text() }

// create stores a new session for an API key and returns it.
func (s *sessions) create(token, keyID, email string) *session {
	sess := &session{id: randomToken(), token: token, keyID: keyID, email: email, csrf: randomToken(),
		expires: s.now().Add(s.ttl)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	s.byID[sess.id] = sess
	return sess
}

// get returns the live session of id, or nil.
func (s *sessions) get(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.byID[id]
	if sess == nil || !s.now().Before(sess.expires) {
		return nil
	}
	return sess
}

// delete ends the session of id.
func (s *sessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byID, id)
}

// setFlash keeps f for the session's next page.
func (s *sessions) setFlash(sess *session, f flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.flash = &f
}

// popFlash returns and forgets the session's flash, nil when none.
func (s *sessions) popFlash(sess *session) *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := sess.flash
	sess.flash = nil
	return f
}

// sweepLocked drops expired sessions, at most once a minute, so the map stays small.
func (s *sessions) sweepLocked() {
	now := s.now()
	if now.Sub(s.swept) < time.Minute {
		return
	}
	for id, sess := range s.byID {
		if !now.Before(sess.expires) {
			delete(s.byID, id)
		}
	}
	s.swept = now
}

// validCSRF reports whether token is the session's CSRF token, in constant time.
func (sess *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.csrf)) == 1
}

// sessionCookie is the cookie that carries id (an empty id with MaxAge -1 clears it).
func sessionCookie(r *http.Request, id string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: id, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil}
}
