package bera

import (
	"fmt"
	"net/netip"
	"regexp"
	"time"
)

// Space is a Private Space: a network of its own for a team's apps. Its apps' dynos reach
// each other by name (<process>.<app>.app.localspace), nothing outside the space reaches
// them, and its internal apps are not on the public router.
type Space struct {
	ID         string
	Name       string
	OwnerID    string
	OwnerEmail string // filled by the store on reads
	// CIDR is the space's IPv4 network; dynos get addresses in it, the first one being
	// the gateway (where the space's DNS resolver answers).
	CIDR      netip.Prefix
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DefaultSpaceCIDR is where spaces' networks are taken from when no CIDR is given: one /16
// each, 10.1.0.0/16 to 10.80.0.0/16 (the common runtime's default is 10.88.0.0/16).
const (
	spaceCIDRFirst = 1
	spaceCIDRLast  = 80
)

// SpaceCIDRCandidates lists the networks a new space may get when the user gives none.
func SpaceCIDRCandidates() []netip.Prefix {
	out := make([]netip.Prefix, 0, spaceCIDRLast-spaceCIDRFirst+1)
	for i := spaceCIDRFirst; i <= spaceCIDRLast; i++ {
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16))
	}
	return out
}

var spaceNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)

// ValidateSpaceName checks a space's name with the rules of app names.
func ValidateSpaceName(name string) error {
	if !spaceNameRE.MatchString(name) {
		return &Error{Code: EInvalid, Resource: "space", Message: "Space name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes, and must be between 3 and 30 characters."}
	}
	return nil
}

// ParseSpaceCIDR checks a CIDR a user gives for a space: an IPv4 private network from /16
// to /24, masked (10.2.0.0/16, not 10.2.3.4/16).
func ParseSpaceCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	bad := func(why string) error {
		return &Error{Code: EInvalid, Resource: "space", Message: fmt.Sprintf("CIDR %q %s.", s, why)}
	}
	switch {
	case err != nil:
		return netip.Prefix{}, bad("is not a network such as 10.2.0.0/16")
	case !p.Addr().Is4():
		return netip.Prefix{}, bad("is not IPv4")
	case p.Masked() != p:
		return netip.Prefix{}, bad("has host bits set; use " + p.Masked().String())
	case p.Bits() < 16 || p.Bits() > 24:
		return netip.Prefix{}, bad("must be between /16 and /24")
	case !p.Addr().IsPrivate():
		return netip.Prefix{}, bad("is not a private network (10/8, 172.16/12, 192.168/16)")
	}
	return p, nil
}
