package runc

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"
	"os/exec"
	"strings"
)

// network wires dynos to a bridge: one network namespace and veth pair per dyno, NAT out,
// and nftables rules that keep dynos from reaching each other or the host's services.
type network struct {
	bridge string
	subnet netip.Prefix
	space  bool // a Private Space's (see spaces.go)
}

// gateway is the bridge's own address, the dynos' default route.
func (n network) gateway() netip.Addr { return n.subnet.Addr().Next() }

// addr returns the i-th dyno address (i from 0), after the gateway.
func (n network) addr(i int) (netip.Addr, bool) {
	a := n.gateway()
	for range i + 1 {
		a = a.Next()
	}
	return a, n.subnet.Contains(a) && a.Next().IsValid() && n.subnet.Contains(a.Next())
}

// rules returns the nftables script for the bridge. Dynos may reach the outside world
// (masqueraded) and answer the host, but not open connections to the host nor to each other,
// neither through the bridge (family bridge, matched by the "bv" prefix of every dyno veth,
// since this kernel's nft lacks ibrname) nor routed through the gateway. The routed rules are
// in an inet table, so they hold for IPv6 as well as IPv4: the bridge has a link-local
// fe80:: address that a host service listening on [::] answers on. Dynos have IPv6 turned
// off in their namespace too (see ipv6Off); these rules hold even if a namespace has it on.
// IPv6 is never forwarded from the bridge (dynos get no IPv6 route out). The first lines
// drop the ip-family table older versions made. The only connections to the host a dyno may
// open go to the gateway, on the ports its app was given (see hostports.go); the set starts
// empty and the runtime fills it.
func (n network) rules() string {
	t := "bera_" + n.bridge
	return fmt.Sprintf(`table ip %[1]s {}
delete table ip %[1]s
table inet %[1]s {}
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
		iifname "%[3]s" oifname "%[3]s" drop
		iifname "%[3]s" meta nfproto ipv6 drop
		oifname "%[3]s" meta nfproto ipv6 drop
	}
	chain input {
		type filter hook input priority filter; policy accept;
		iifname "%[3]s" ct state established,related accept
		iifname "%[3]s" ip daddr %[5]s ip saddr . tcp dport @%[4]s accept
		iifname "%[3]s" drop
	}
}
table bridge %[1]s {}
delete table bridge %[1]s
table bridge %[1]s {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "bv*" oifname "bv*" drop
	}
}
`, t, n.subnet, n.bridge, hostPortsSet, n.gateway())
}

// setup creates the bridge, turns on forwarding and loads the rules. It is idempotent.
func (n network) setup(ctx context.Context) error {
	if err := n.setupBridge(ctx); err != nil {
		return err
	}
	return run(ctx, strings.NewReader(n.rules()), "nft", "-f", "-")
}

// setupBridge creates the bridge with the gateway address and turns on forwarding.
func (n network) setupBridge(ctx context.Context) error {
	if _, err := os.Stat("/sys/class/net/" + n.bridge); err != nil {
		if err := ip(ctx, "link", "add", n.bridge, "type", "bridge"); err != nil {
			return err
		}
	}
	gw := netip.PrefixFrom(n.gateway(), n.subnet.Bits()).String()
	if err := ip(ctx, "addr", "replace", gw, "dev", n.bridge); err != nil {
		return err
	}
	if err := ip(ctx, "link", "set", n.bridge, "up"); err != nil {
		return err
	}
	if err := sharedNetNSDir(); err != nil {
		return err
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enable ip forwarding: %w", err)
	}
	return nil
}

// teardown removes the bridge and its rules (tests only; dynos of a server keep them).
func (n network) teardown(ctx context.Context) error {
	for _, family := range []string{"ip", "inet", "bridge"} {
		run(ctx, nil, "nft", "delete", "table", family, "bera_"+n.bridge) // absent ones are fine
	}
	return ip(ctx, "link", "del", n.bridge)
}

// vethNames returns the host and container ends of a dyno's veth pair (at most 15 bytes):
// "bv…" on the common bridge, "bs…" on a space's.
func (n network) vethNames(containerID string) (host, peer string) {
	h := fnv.New32a()
	h.Write([]byte(containerID))
	s := fmt.Sprintf("%08x", h.Sum32())
	prefix := "bv"
	if n.space {
		prefix = "bs"
	}
	return prefix + s + "h", prefix + s + "c"
}

// attach creates the dyno's network namespace (named containerID) with eth0 at addr, a
// default route via the bridge, and the host end of its veth pair on the bridge.
func (n network) attach(ctx context.Context, containerID string, addr netip.Addr) error {
	host, peer := n.vethNames(containerID)
	if err := n.attachNetlink(containerID, host, peer, addr); err != nil {
		n.detach(context.WithoutCancel(ctx), containerID)
		return err
	}
	return nil
}

// detach deletes the dyno's namespace and veth pair; missing ones are fine.
func (n network) detach(_ context.Context, containerID string) {
	host, _ := n.vethNames(containerID)
	detachNetlink(containerID, host)
}

// NetNSPath is where `ip netns` keeps a named namespace.
func NetNSPath(name string) string { return "/var/run/netns/" + name }

func ip(ctx context.Context, args ...string) error {
	return run(ctx, nil, "ip", args...)
}

func run(ctx context.Context, stdin *strings.Reader, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// RemoveNetwork deletes a bridge and its rules. Only for tests and uninstalling: running
// dynos on the bridge lose their network.
func RemoveNetwork(ctx context.Context, bridge string) error {
	if _, err := os.Stat("/sys/class/net/" + bridge); err != nil {
		return nil
	}
	return network{bridge: bridge}.teardown(ctx)
}
