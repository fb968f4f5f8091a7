package source

import (
	"context"
	"errors"
	"net"
	"net/url"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/netguard"
)

// remote is how git reaches one repository URL so that every connection it makes goes to an
// address the policy allows: git's own HTTP client (curl) cannot take a Go dialer, so
// http(s) goes through a netguard.Proxy on loopback whose dialer checks each address; for
// git:// the host is resolved and checked here and git is given the address.
type remote struct {
	url   string          // what git is given
	opts  []string        // -c options for git
	proxy *netguard.Proxy // nil for git://
}

// openRemote prepares the remote for u (checked by the policy). Close it after git exits.
func (f *Fetcher) openRemote(ctx context.Context, u *url.URL) (*remote, error) {
	r := &remote{url: u.String()}
	if u.Scheme == "git" {
		return r, r.pin(ctx, u, f.Policy.dialer())
	}
	p, err := netguard.StartProxy(f.Policy.dialer().DialContext)
	if err != nil {
		return nil, err
	}
	r.proxy = p
	// Basic auth straight away (git's default would first try without, then negotiate).
	r.opts = []string{"-c", "http.proxy=" + p.URL, "-c", "http.proxyAuthMethod=basic"}
	return r, nil
}

// pin resolves a git:// URL's host, checks its addresses and gives git the first one
// instead of the name, so git cannot resolve it to another.
func (r *remote) pin(ctx context.Context, u *url.URL, d *netguard.Dialer) error {
	ip, err := d.Resolve(ctx, u.Hostname())
	var be *netguard.BlockedError
	switch {
	case errors.As(err, &be):
		return privateURL(u.String(), be)
	case err != nil:
		return bera.Errorf(bera.EInvalid, "Couldn't reach a Git repository at %s: could not resolve host %s.", quoteURL(u.String()), u.Hostname())
	}
	pinned := *u
	switch port := u.Port(); {
	case port != "":
		pinned.Host = net.JoinHostPort(ip.String(), port)
	case ip.Is6():
		pinned.Host = "[" + ip.String() + "]"
	default:
		pinned.Host = ip.String()
	}
	r.url = pinned.String()
	return nil
}

// blocked returns a connection the proxy refused for its address, or nil.
func (r *remote) blocked() *netguard.BlockedError {
	if r.proxy != nil {
		return r.proxy.Blocked()
	}
	return nil
}

func (r *remote) close() {
	if r.proxy != nil {
		r.proxy.Close()
	}
}

// privateURL is the error for a URL that leads to a loopback or private address.
func privateURL(rawURL string, b *netguard.BlockedError) error {
	return invalidURL(rawURL, "it resolves to "+b.Addr.String()+", "+b.Kind+"; this server does not fetch from private networks")
}
