// Package netguard keeps connections made on a tenant's behalf (source fetches, log drains)
// away from the server's own host and private networks. The check runs on the address
// actually dialled, after DNS resolution and on every redirect, through a net.Dialer
// Control hook, so host names that resolve to private addresses ("localhost.", "127.1",
// names in /etc/hosts) are caught as well as IP literals.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// BlockedError is a connection refused because its address is not public.
type BlockedError struct {
	Addr netip.Addr
	Kind string // e.g. "a loopback address", from Classify
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("%s is %s", e.Addr, e.Kind)
}

// reserved are the ranges that are not public unicast, with how they are described, checked
// after IPv4-mapped addresses are unmapped. Loopback, private, link-local, multicast and
// unspecified addresses are found by netip's own methods first.
var reserved = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a \"this network\" address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"}, // includes 255.255.255.255
	{netip.MustParsePrefix("::/96"), "a reserved address"},       // IPv4-compatible, deprecated
	{netip.MustParsePrefix("100::/64"), "a reserved address"},    // discard-only
	{netip.MustParsePrefix("2001::/32"), "a reserved address"},   // Teredo: hides an IPv4 address
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("fec0::/10"), "a private address"}, // site-local, deprecated
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a private address"},
}

// Embedded IPv4 addresses: NAT64 (64:ff9b::/96, last 32 bits) and 6to4 (2002::/16, bits
// 16-47) reach the IPv4 address they carry, so that address is what counts.
var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// Classify returns "" for a public unicast address, or what else it is: "a loopback
// address", "a private address", "a link-local address", and so on, ready for a message.
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) and IPv4 addresses embedded in NAT64 and
// 6to4 addresses are classified as the IPv4 address they reach. An invalid Addr is "an
// invalid address".
func Classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return Classify(netip.AddrFrom4([4]byte(b[12:16])))
		case sixTo4.Contains(ip):
			return Classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	switch {
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address"
	case ip.IsMulticast():
		return "a multicast address"
	}
	for _, r := range reserved {
		if r.prefix.Contains(ip) {
			return r.kind
		}
	}
	return ""
}

// IsPublic reports whether ip is a public unicast address (Classify returns "").
func IsPublic(ip netip.Addr) bool { return Classify(ip) == "" }

// Check returns a *BlockedError unless the host of address ("IP:PORT", or a bare IP) is a
// public address. Host names are refused: they must be resolved before the check.
func Check(address string) error {
	host := address
	if h, _, err := net.SplitHostPort(address); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("netguard: %q is not an IP address", address)
	}
	if kind := Classify(ip); kind != "" {
		return &BlockedError{Addr: ip.WithZone("").Unmap(), Kind: kind}
	}
	return nil
}

// Control is a net.Dialer Control hook that refuses connections to addresses that are not
// public (Check). The dialer calls it for every address it tries, after resolution.
func Control(_, address string, _ syscall.RawConn) error { return Check(address) }

// Dialer dials TCP and UDP connections like net.Dialer, refusing addresses that are not
// public (Check) unless AllowPrivate is set or they are in Allow. Host names in the legacy
// numeric IPv4 forms that C resolvers accept ("127.1", "2130706433", "0x7f.1") are dialled
// as the address they spell, as curl or a syslog daemon would, not looked up in DNS. The
// zero Dialer is guarded, with no timeout of its own.
type Dialer struct {
	Timeout      time.Duration
	AllowPrivate bool
	// Allow lists networks dialled even though they are not public (an internal Git server).
	Allow []netip.Prefix
}

// DialContext connects to address ("HOST:PORT") on network.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(address); err == nil {
		if ip, ok := ParseLegacyIPv4(host); ok {
			address = net.JoinHostPort(ip.String(), port)
		}
	}
	nd := &net.Dialer{Timeout: d.Timeout, KeepAlive: 30 * time.Second}
	if !d.AllowPrivate {
		nd.Control = d.control
	}
	return nd.DialContext(ctx, network, address)
}

func (d *Dialer) control(network, address string, c syscall.RawConn) error {
	err := Control(network, address, c)
	var be *BlockedError
	if errors.As(err, &be) && Allowed(be.Addr, d.Allow) {
		return nil
	}
	return err
}

// Allowed reports whether ip is in one of nets (IPv4-mapped addresses as IPv4).
func Allowed(ip netip.Addr, nets []netip.Prefix) bool {
	ip = ip.WithZone("").Unmap()
	for _, n := range nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// DialFunc is the signature of DialContext, as http.Transport.DialContext takes it.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Resolve looks host up (or parses it, for an address) and returns its first address, for
// programs that are then given the address instead of the name, so they cannot resolve it
// differently. A *BlockedError is returned when any of the host's addresses is one the
// dialer refuses.
func (d *Dialer) Resolve(ctx context.Context, host string) (netip.Addr, error) {
	addrs, err := lookup(ctx, host)
	if err != nil {
		return netip.Addr{}, err
	}
	if len(addrs) == 0 {
		return netip.Addr{}, fmt.Errorf("netguard: no address for %s", host)
	}
	if !d.AllowPrivate {
		for _, ip := range addrs {
			if err := Check(ip.String()); err != nil && !Allowed(ip, d.Allow) {
				return netip.Addr{}, err
			}
		}
	}
	return addrs[0].WithZone("").Unmap(), nil
}

func lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, ok := ParseHost(host); ok {
		return []netip.Addr{ip}, nil
	}
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
