package netguard

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseHost returns the address a URL's host names without DNS: an IPv4 or IPv6 literal
// (with or without brackets and a zone), or one of the legacy IPv4 forms of
// ParseLegacyIPv4. ok is false for a host name.
func ParseHost(host string) (ip netip.Addr, ok bool) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip, true
	}
	return ParseLegacyIPv4(host)
}

// ParseLegacyIPv4 parses the IPv4 forms of inet_aton(3), which getaddrinfo, curl and
// browsers accept as addresses: one to four parts separated by dots, each decimal, octal
// (leading 0) or hex (0x), the last part filling the remaining bytes ("127.1" is 127.0.0.1,
// "2130706433" is 127.0.0.1, "0x7f.0.0.1" too). A trailing dot is allowed. Dotted-decimal
// addresses parse as well.
func ParseLegacyIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		v, ok := parseLegacyPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	last := len(vals) - 1
	for _, v := range vals[:last] {
		if v > 0xff {
			return netip.Addr{}, false
		}
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n := vals[last]
	for i, v := range vals[:last] {
		n |= v << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

func parseLegacyPart(p string) (uint64, bool) {
	base := 10
	switch {
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" is 0 to inet_aton
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	if p == "" || strings.ContainsAny(p, "+-_") {
		return 0, false
	}
	v, err := strconv.ParseUint(p, base, 32)
	return v, err == nil
}
