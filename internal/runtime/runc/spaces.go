package runc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.Networks = (*Runtime)(nil)

// A Private Space is a bridge of its own ("bs" and 12 hex digits of its name's hash), on
// its own subnet, whose dynos' veths are named "bs…" rather than "bv…": the common
// runtime's bridge-family rule, which drops frames between two "bv" ports, leaves them
// alone, so dynos of one space talk to each other. Everything else is in the inet table
// of the space's bridge (stateful rules cannot live in the bridge family here):
//
//   - traffic from one of the space's dynos to another passes (same bridge in and out);
//   - nothing enters the space from elsewhere (the common runtime, another space, the
//     host's other interfaces) unless it answers a connection a dyno of the space opened;
//   - the space's dynos reach no other private network (other spaces, the common runtime:
//     10/8, 172.16/12, 192.168/16, 100.64/10, 169.254/16) but do reach the internet,
//     masqueraded;
//   - of the host, they reach only the space's resolver (gateway, port 53) and the host
//     ports their app was given (add-ons, as in the common runtime);
//   - no IPv6 at all.
//
// The host itself (the router, health checks) reaches dynos of a space as it does the
// common runtime's: its packets are output, not forwarded.

// spaceNetwork is the network of the space named name on subnet.
func spaceNetwork(name string, subnet netip.Prefix) network {
	sum := sha256.Sum256([]byte(name))
	return network{bridge: "bs" + hex.EncodeToString(sum[:6]), subnet: subnet.Masked(), space: true}
}

// spaceRules is the nftables script of a space's bridge (see above).
func (n network) spaceRules() string {
	t := "bera_" + n.bridge
	return fmt.Sprintf(`table inet %[1]s {}
delete table inet %[1]s
table inet %[1]s {
	set %[4]s {
		type ipv4_addr . inet_service
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		ip saddr %[2]s oifname != "%[3]s" masquerade
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "%[3]s" oifname "%[3]s" meta nfproto ipv4 accept
		iifname "%[3]s" meta nfproto ipv6 drop
		oifname "%[3]s" meta nfproto ipv6 drop
		oifname "%[3]s" ct state established,related accept
		oifname "%[3]s" drop
		iifname "%[3]s" ip daddr { 10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16 } drop
	}
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "%[3]s" ct state established,related accept
		iifname "%[3]s" ip daddr %[5]s udp dport 53 accept
		iifname "%[3]s" ip daddr %[5]s tcp dport 53 accept
		iifname "%[3]s" ip saddr . tcp dport @%[4]s accept
		iifname "%[3]s" drop
	}
}
`, t, n.subnet, n.bridge, hostPortsSet, n.gateway())
}

// EnsureNetwork creates (or checks) the network of a Private Space: its bridge with the
// gateway address, and its rules. It is idempotent; a server calls it for every space at
// start. Dynos whose spec names the space join it.
func (r *Runtime) EnsureNetwork(ctx context.Context, name string, subnet netip.Prefix) (netip.Addr, error) {
	if name == "" {
		return netip.Addr{}, bera.Errorf(bera.EInvalid, "A space network needs a name.")
	}
	subnet = subnet.Masked()
	if !subnet.Addr().Is4() || subnet.Bits() > 28 {
		return netip.Addr{}, bera.Errorf(bera.EInvalid, "Space network %s: want an IPv4 network of at least /28.", subnet)
	}
	if subnet.Overlaps(r.net.subnet) {
		return netip.Addr{}, bera.Errorf(bera.EInvalid, "Space network %s overlaps the common runtime's %s.", subnet, r.net.subnet)
	}
	n := spaceNetwork(name, subnet)
	r.mu.Lock()
	for other, s := range r.spaces {
		if other != name && s.net.subnet.Overlaps(subnet) {
			r.mu.Unlock()
			return netip.Addr{}, bera.Errorf(bera.EInvalid, "Space network %s overlaps another space's %s.", subnet, s.net.subnet)
		}
	}
	if s, ok := r.spaces[name]; ok && s.net.subnet != subnet {
		r.mu.Unlock()
		return netip.Addr{}, bera.Errorf(bera.EConflict, "Space %s already has network %s.", name, s.net.subnet)
	}
	r.mu.Unlock()
	if err := n.setupBridge(ctx); err != nil {
		return netip.Addr{}, fmt.Errorf("space network %s: %w", name, err)
	}
	if err := run(ctx, strings.NewReader(n.spaceRules()), "nft", "-f", "-"); err != nil {
		return netip.Addr{}, fmt.Errorf("space network %s: %w", name, err)
	}
	r.hostMu.Lock()
	defer r.hostMu.Unlock()
	r.mu.Lock()
	if r.spaces[name] == nil {
		r.spaces[name] = &spaceAlloc{net: n}
	}
	r.mu.Unlock()
	// The rules were loaded afresh: give the set back its elements.
	return n.gateway(), r.syncHostPortsLocked()
}

// RemoveNetwork deletes a space's bridge and rules. EConflict while dynos are on it.
func (r *Runtime) RemoveNetwork(ctx context.Context, name string, subnet netip.Prefix) error {
	n := spaceNetwork(name, subnet)
	r.mu.Lock()
	for _, d := range r.dynos {
		if d.meta.Network == name {
			r.mu.Unlock()
			return bera.Errorf(bera.EConflict, "Space %s still has dynos running.", name)
		}
	}
	delete(r.spaces, name)
	r.mu.Unlock()
	if _, err := os.Stat("/sys/class/net/" + n.bridge); err != nil {
		return nil
	}
	return n.teardown(ctx)
}

// spaceAlloc is a space's network and where the search for a free address starts.
type spaceAlloc struct {
	net  network
	next int
}

// netForLocked returns the network named name ("" for the common one) and where its address
// search starts (a pointer the caller advances).
// r.mu must be held.
func (r *Runtime) netForLocked(name string) (network, *int, error) {
	if name == "" {
		return r.net, &r.nextIP, nil
	}
	s, ok := r.spaces[name]
	if !ok {
		return network{}, nil, bera.Errorf(bera.EUnavailable, "The network of space %s is not up on this server.", name)
	}
	return s.net, &s.next, nil
}

// netOf returns the network named in a dyno's meta (the common one for "" or an unknown
// space: detaching needs only the veth prefix, which every space shares).
func (r *Runtime) netOf(name string) network {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.spaces[name]; ok {
		return s.net
	}
	if name != "" {
		return network{space: true}
	}
	return r.net
}

// hostPortsScripts is hostPortsScript for the common network and every space, each set
// holding the elements of its own dynos. r.mu must be held.
func (r *Runtime) hostPortsScriptsLocked() string {
	nets := []network{r.net}
	for _, s := range r.spaces {
		nets = append(nets, s.net)
	}
	slices.SortFunc(nets, func(a, b network) int { return strings.Compare(a.bridge, b.bridge) })
	var b strings.Builder
	for _, n := range nets {
		mine := map[netip.Addr]string{}
		for a, app := range r.ipApp {
			if n.subnet.Contains(a) {
				mine[a] = app
			}
		}
		b.WriteString(n.hostPortsScript(mine, r.hostPorts))
	}
	return b.String()
}

// SpaceBridge is the name of the bridge of the space network name.
func SpaceBridge(name string) string { return spaceNetwork(name, netip.Prefix{}).bridge }
