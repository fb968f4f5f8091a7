package netguard_test

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/netguard"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want string // "" = public
	}{
		{"127.0.0.1", "a loopback address"},
		{"127.0.0.2", "a loopback address"},
		{"127.255.255.254", "a loopback address"},
		{"::1", "a loopback address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"::ffff:7f00:1", "a loopback address"},
		{"::ffff:10.1.2.3", "a private address"},
		{"10.0.0.5", "a private address"},
		{"10.255.255.255", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.254", "a private address"},
		{"192.168.1.1", "a private address"},
		{"169.254.169.254", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"febf::1", "a link-local address"},
		{"fc00::1", "a private address"},
		{"fd12:3456::1", "a private address"},
		{"fec0::1", "a private address"},
		{"100.64.0.1", "a shared (carrier-grade NAT) address"},
		{"100.127.255.254", "a shared (carrier-grade NAT) address"},
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", "a \"this network\" address"},
		{"::", "an unspecified address"},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.250", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"255.255.255.255", "a reserved address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.2.1", "a documentation address"},
		{"198.18.0.1", "a benchmarking address"},
		{"2001:db8::1", "a documentation address"},
		{"::127.0.0.1", "a reserved address"},
		{"64:ff9b::7f00:1", "a loopback address"},
		{"64:ff9b::a00:5", "a private address"},
		{"2002:7f00:1::1", "a loopback address"},
		{"2002:c0a8:101::1", "a private address"},
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", "a reserved address"},
		// Public: only classified here, never dialled.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},
		{"172.15.255.255", ""},
		{"100.128.0.1", ""},
		{"11.0.0.1", ""},
		{"192.169.0.1", ""},
		{"2606:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.addr)
			if got := netguard.Classify(ip); got != tc.want {
				t.Errorf("Classify(%s) = %q, want %q", tc.addr, got, tc.want)
			}
			if got := netguard.IsPublic(ip); got != (tc.want == "") {
				t.Errorf("IsPublic(%s) = %v", tc.addr, got)
			}
			err := netguard.Check(net.JoinHostPort(tc.addr, "443"))
			var be *netguard.BlockedError
			if (tc.want == "") != (err == nil) || err != nil && !errors.As(err, &be) {
				t.Errorf("Check(%s) = %v", tc.addr, err)
			}
		})
	}
}

func TestCheck_NotAnAddress(t *testing.T) {
	for _, s := range []string{"localhost:80", "127.1:80", "2130706433:80", "", "example.com"} {
		if err := netguard.Check(s); err == nil {
			t.Errorf("Check(%q) = nil, want an error", s)
		}
	}
	if got := netguard.Classify(netip.Addr{}); got == "" {
		t.Error("the zero Addr is public")
	}
}

// TestDialer dials a listener on 127.0.0.1 by address and by names that resolve to it:
// refused by the guarded dialer, connected by the allowing one.
func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	// localhost is a name in /etc/hosts; the numeric forms are what C resolvers accept.
	for _, host := range []string{"127.0.0.1", "localhost", "127.1", "2130706433", "0x7f.1", "0177.0.0.1", "::ffff:127.0.0.1"} {
		addr := net.JoinHostPort(host, port)
		t.Run(host, func(t *testing.T) {
			guarded := &netguard.Dialer{Timeout: 5 * time.Second}
			_, err := guarded.DialContext(t.Context(), "tcp4", addr)
			var be *netguard.BlockedError
			if !errors.As(err, &be) || !be.Addr.IsLoopback() || !strings.Contains(err.Error(), "a loopback address") {
				t.Fatalf("guarded dial %s: err=%v, want a BlockedError for a loopback address", addr, err)
			}
			allowing := &netguard.Dialer{Timeout: 5 * time.Second, AllowPrivate: true}
			c, err := allowing.DialContext(t.Context(), "tcp4", addr)
			if err != nil {
				t.Fatalf("allowing dial %s: %v", addr, err)
			}
			c.Close()
		})
	}
}

func TestResolve(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost", "::1", "10.0.0.5"} {
		guarded, allowing := &netguard.Dialer{}, &netguard.Dialer{AllowPrivate: true}
		if _, err := guarded.Resolve(t.Context(), host); !errors.As(err, new(*netguard.BlockedError)) {
			t.Errorf("Resolve(%s) err=%v, want a BlockedError", host, err)
		}
		if ip, err := allowing.Resolve(t.Context(), host); err != nil || netguard.IsPublic(ip) {
			t.Errorf("Resolve(%s, allow) = %v, %v", host, ip, err)
		}
	}
	if ip, err := new(netguard.Dialer).Resolve(t.Context(), "8.8.8.8"); err != nil || ip.String() != "8.8.8.8" {
		t.Errorf("Resolve(8.8.8.8) = %v, %v", ip, err) // a literal: parsed, not dialled
	}
}

// FuzzCheck checks that what Check lets through is a valid public unicast address, and
// that an IPv4 address and its IPv4-mapped form get the same answer.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:127.0.0.1]:1", "8.8.8.8", "[fe80::1%eth0]:22", "10.0.0.5", "127.1", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if netguard.Check(s) != nil {
			return
		}
		host, _, err := net.SplitHostPort(s)
		if err != nil {
			host = s
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			t.Fatalf("Check(%q) passed something that is not an address", s)
		}
		u := ip.Unmap()
		if u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsUnspecified() || u.IsMulticast() ||
			u.IsInterfaceLocalMulticast() || u.IsLinkLocalMulticast() {
			t.Fatalf("Check(%q) passed %s", s, ip)
		}
		std := net.ParseIP(ip.WithZone("").String())
		if std.IsLoopback() || std.IsPrivate() || std.IsLinkLocalUnicast() || std.IsUnspecified() {
			t.Fatalf("Check(%q) passed %s, which net.IP does not call public", s, ip)
		}
		if u.Is4() && netguard.Check(netip.AddrFrom16(u.As16()).String()) != nil {
			t.Fatalf("%s passes but its mapped form does not", u)
		}
	})
}

func TestParseLegacyIPv4(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"017700000001", "127.0.0.1"},
		{"10.0.0.5", "10.0.0.5"},
		{"167772165", "10.0.0.5"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"256", "0.0.1.0"},
		{"1.2.3.4.5", ""},
		{"256.1", ""},
		{"1.16777216", ""},
		{"4294967296", ""},
		{"08.1", ""},
		{"0x", "0.0.0.0"},
		{"example.com", ""},
		{"1e3", ""},
		{"-1", ""},
		{"+1", ""},
		{"", ""},
		{".", ""},
		{"1..2", ""},
	} {
		ip, ok := netguard.ParseLegacyIPv4(tc.in)
		if got := map[bool]string{true: ip.String(), false: ""}[ok]; got != tc.want {
			t.Errorf("ParseLegacyIPv4(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzParseLegacyIPv4 checks that what parses is an IPv4 address and that dotted-decimal
// addresses parse as themselves.
func FuzzParseLegacyIPv4(f *testing.F) {
	for _, s := range []string{"127.1", "2130706433", "0x7f.1", "0177.0.0.1", "1.2.3.4", "256.1", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ip, ok := netguard.ParseLegacyIPv4(s)
		if !ok {
			return
		}
		if !ip.Is4() {
			t.Fatalf("ParseLegacyIPv4(%q) = %s, not IPv4", s, ip)
		}
		if std, err := netip.ParseAddr(s); err == nil && std != ip {
			t.Fatalf("ParseLegacyIPv4(%q) = %s, want %s", s, ip, std)
		}
	})
}

// TestDialer_Allow dials a listener on 127.0.0.2 allowed by prefix, and 127.0.0.1, which
// the same dialer refuses.
func TestDialer_Allow(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for c, err := ln.Accept(); err == nil; c, err = ln.Accept() {
			c.Close()
		}
	}()
	d := &netguard.Dialer{Timeout: 5 * time.Second, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
	c, err := d.DialContext(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatalf("dial the allowed address: %v", err)
	}
	c.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if _, err := d.DialContext(t.Context(), "tcp", "127.0.0.1:"+port); !errors.As(err, new(*netguard.BlockedError)) {
		t.Fatalf("dial 127.0.0.1: err=%v, want a BlockedError", err)
	}
}
