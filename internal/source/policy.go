package source

import (
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/netguard"
)

// Policy says which repository and tarball URLs may be fetched. The zero Policy allows
// https, http and git URLs to any host with a public address.
type Policy struct {
	// Schemes allowed for Git URLs; empty means https, http and git. file, ssh, ext and any
	// other scheme are refused whatever this says.
	Schemes []string
	// Hosts allowed (exact names, or "*.example.com" for subdomains); empty means any host.
	Hosts []string
	// AllowPrivate lets URLs lead to loopback, private and link-local addresses (the
	// server's own host and network). Without it the address of every connection is checked
	// when it is dialled (netguard), after DNS and redirects.
	AllowPrivate bool
	// AllowNets are private networks that may be fetched from anyway (an internal Git
	// server), when AllowPrivate is not set.
	AllowNets []netip.Prefix
}

// dialer checks the addresses of the policy's connections.
func (p Policy) dialer() *netguard.Dialer {
	return &netguard.Dialer{Timeout: 30 * time.Second, AllowPrivate: p.AllowPrivate, Allow: p.AllowNets}
}

// fetchableSchemes are the only schemes Bera ever fetches from.
var fetchableSchemes = []string{"https", "http", "git"}

func (p Policy) schemes() []string {
	if len(p.Schemes) == 0 {
		return fetchableSchemes
	}
	return p.Schemes
}

// CheckURL parses a repository or tarball URL and checks it against the policy. It refuses
// local paths, scp-style and ssh URLs, file:// and ext::, URLs with credentials, and hosts or
// schemes the policy does not allow, with an EInvalid error that says why. A host that is
// an address ("127.0.0.1", "[::1]", "127.1") must be public unless AllowPrivate; host
// names are checked when they are dialled.
func (p Policy) CheckURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" || strings.HasPrefix(raw, "-") {
		return nil, invalidURL(raw, "it is not a URL; use https://host/owner/repo.git")
	}
	scheme := strings.ToLower(u.Scheme)
	if !slices.Contains(fetchableSchemes, scheme) || !slices.Contains(p.schemes(), scheme) {
		return nil, invalidURL(raw, "the "+scheme+" scheme is not allowed; use one of "+strings.Join(allowed(p.schemes()), ", "))
	}
	if u.User != nil {
		return nil, bera.Errorf(bera.EInvalid, "Repository URLs must not contain credentials: only public repositories can be deployed.")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return nil, invalidURL(raw, "it has no host")
	}
	if !p.hostAllowed(host) {
		return nil, invalidURL(raw, "the host "+host+" is not allowed on this server")
	}
	if ip, ok := netguard.ParseHost(host); ok && !p.AllowPrivate && !netguard.Allowed(ip, p.AllowNets) {
		if kind := netguard.Classify(ip); kind != "" {
			return nil, privateURL(raw, &netguard.BlockedError{Addr: ip.WithZone("").Unmap(), Kind: kind})
		}
	}
	u.Scheme = scheme
	return u, nil
}

func allowed(schemes []string) []string {
	var out []string
	for _, s := range schemes {
		if slices.Contains(fetchableSchemes, s) {
			out = append(out, s)
		}
	}
	return out
}

func (p Policy) hostAllowed(host string) bool {
	if len(p.Hosts) == 0 {
		return true
	}
	for _, h := range p.Hosts {
		h = strings.ToLower(h)
		if h == host || strings.HasPrefix(h, "*.") && strings.HasSuffix(host, h[1:]) {
			return true
		}
	}
	return false
}

func invalidURL(raw, why string) error {
	return &bera.Error{Code: bera.EInvalid, Resource: "source", Message: "Can't fetch " + quoteURL(raw) + ": " + why + "."}
}

// quoteURL shows a user-given URL in a message without any credentials it carries.
func quoteURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		u.User = nil
		raw = u.String()
	}
	if len(raw) > 200 {
		raw = raw[:200] + "…"
	}
	return strings.ToValidUTF8(raw, "")
}

var refRE = regexp.MustCompile(`^[A-Za-z0-9._/+-]{1,200}$`)

// CheckRef checks a branch, tag or commit name given by a user: no leading dash (it would
// be read as an option), no "..", no characters git refuses in ref names.
func CheckRef(ref string) error {
	if !refRE.MatchString(ref) || strings.HasPrefix(ref, "-") || strings.Contains(ref, "..") ||
		strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "//") {
		return &bera.Error{Code: bera.EInvalid, Resource: "source", Message: "\"" + quoteURL(ref) + "\" is not a valid branch, tag or commit name."}
	}
	return nil
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// isCommit reports whether ref is a full commit id.
func isCommit(ref string) bool { return shaRE.MatchString(ref) }
