package certs

import (
	"net"
	"net/http"
	"strings"
)

// HTTPHandler wraps the plain-HTTP router's handler h: it answers Auto's challenges, and
// redirects requests for the custom domains of apps with http-to-https on to HTTPS (when
// there is an HTTPS listener); everything else goes to h.
func (m *Manager) HTTPHandler(h http.Handler) http.Handler {
	if m.cfg.HTTPSAddr != "" {
		h = m.redirectHTTPS(h)
	}
	if m.cfg.Auto != nil {
		h = m.cfg.Auto.HTTPChallengeHandler(h)
	}
	return h
}

// Redirects reports whether requests for host (normalized: lower case, no port, no
// trailing dot) are redirected to HTTPS, so the router's fast path can hand them to
// HTTPHandler.
func (m *Manager) Redirects(host []byte) bool {
	return (*m.redirect.Load())[string(host)]
}

func (m *Manager) redirectHTTPS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := requestHost(r.Host)
		if !(*m.redirect.Load())[host] {
			h.ServeHTTP(w, r)
			return
		}
		code := http.StatusMovedPermanently
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			code = http.StatusPermanentRedirect
		}
		http.Redirect(w, r, "https://"+host+m.suffix+r.URL.RequestURI(), code)
	})
}

// requestHost is a Host header's name: lower case, without its port or trailing dot.
func requestHost(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		hostport = h
	}
	return strings.TrimSuffix(strings.ToLower(hostport), ".")
}
