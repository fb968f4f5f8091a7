package certs

import (
	"net/netip"
	"strings"

	"github.com/kingvon-ke/bera"
)

// MaxHostnameLen is the longest hostname DNS allows.
const MaxHostnameLen = 253

// NormalizeHostname validates a custom domain name and returns it lower-cased without a
// trailing dot. It refuses IP addresses, wildcards, single-label names, names longer than
// 253 characters or with a bad label, and names under the platform's own domain (those are
// apps' APP.DOMAIN hostnames). Errors are bera.EInvalid with Resource "domain".
func NormalizeHostname(name, platformDomain string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(name)), ".")
	switch {
	case h == "":
		return "", invalid("Hostname is required.")
	case len(h) > MaxHostnameLen:
		return "", invalid("Hostname must be at most 253 characters.")
	case strings.Contains(h, "*"):
		return "", invalid("Wildcard domains are not supported.")
	case isIP(h):
		return "", invalid("Hostname must be a domain name, not an IP address.")
	case !strings.Contains(h, "."):
		return "", invalid("Hostname must have at least two labels, such as www.example.com.")
	}
	for _, label := range strings.Split(h, ".") {
		if !validLabel(label) {
			return "", invalid("Hostname labels must be 1 to 63 letters, digits or dashes, and may not start or end with a dash.")
		}
	}
	if d := strings.ToLower(strings.TrimSuffix(platformDomain, ".")); d != "" && (h == d || strings.HasSuffix(h, "."+d)) {
		return "", invalid("Hostnames under " + d + " belong to the platform's apps and cannot be added.")
	}
	return h, nil
}

func isIP(h string) bool {
	_, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil
}

// validLabel reports whether s is a DNS label: 1–63 of [a-z0-9-], no dash at either end.
// Underscores are refused too: certificate authorities will not issue for them.
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func invalid(msg string) error {
	return &bera.Error{Code: bera.EInvalid, Resource: "domain", Message: msg}
}
