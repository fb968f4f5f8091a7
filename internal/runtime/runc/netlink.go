package runc

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	goruntime "runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// A dyno's network is wired with netlink from this process rather than with `ip`: the nine
// `ip` commands a dyno took cost ~45 ms alone and several times that when dynos start side
// by side (each one a process, all of them queueing on the kernel's rtnl lock), while the
// same steps over netlink take a few milliseconds. The result is what `ip` made: a named
// namespace under /run/netns (so `ip netns` and runc see it), a veth pair with the host
// end on the bridge, eth0 inside with the dyno's address and a default route.

// sharedNetNSDir makes /run/netns a shared mount of its own, as `ip netns add` does the
// first time, so namespaces bound there show in every mount namespace that shares it.
func sharedNetNSDir() error {
	const dir = "/run/netns"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point yet
		if err = unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err == nil {
			err = unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
		}
	}
	if err != nil {
		return fmt.Errorf("make %s a shared mount: %w", dir, err)
	}
	return nil
}

// newNamedNetNS creates a network namespace bound at NetNSPath(name) and returns a handle
// to it. The calling goroutine's thread enters the namespace to create it and returns to
// its own; a thread that could not return is thrown away (it stays locked).
func newNamedNetNS(name string) (netns.NsHandle, error) {
	goruntime.LockOSThread()
	restored := false
	defer func() {
		if restored {
			goruntime.UnlockOSThread()
		}
	}()
	orig, err := netns.Get()
	if err != nil {
		restored = true
		return netns.None(), err
	}
	defer orig.Close()
	ns, err := netns.NewNamed(name)
	if serr := netns.Set(orig); serr != nil {
		if err == nil {
			ns.Close()
		}
		return netns.None(), fmt.Errorf("return to the host network namespace: %w", serr)
	}
	restored = true
	return ns, err
}

// attachNetlink makes the dyno's namespace and veth pair and configures both ends.
func (n network) attachNetlink(name, host, peer string, addr netip.Addr) error {
	br, err := netlink.LinkByName(n.bridge)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", n.bridge, err)
	}
	ns, err := newNamedNetNS(name)
	if err != nil {
		return fmt.Errorf("create network namespace %s: %w", name, err)
	}
	defer ns.Close()
	veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: host, MasterIndex: br.Attrs().Index},
		PeerName: peer, PeerNamespace: netlink.NsFd(int(ns))}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("add veth %s: %w", host, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("set %s up: %w", host, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in %s: %w", name, err)
	}
	defer h.Close()
	if err := inside(h, peer, netip.PrefixFrom(addr, n.subnet.Bits()), n.gateway()); err != nil {
		return fmt.Errorf("configure %s: %w", name, err)
	}
	// An address used by an earlier dyno may still have that dyno's MAC in the host's
	// neighbour table; frames sent there would be dropped until it goes stale and is probed
	// again (seconds), so forget it now.
	if neighs, err := netlink.NeighList(br.Attrs().Index, netlink.FAMILY_V4); err == nil {
		for _, nb := range neighs {
			if nb.IP.Equal(addr.AsSlice()) {
				netlink.NeighDel(&nb) //nolint:errcheck // it may have gone meanwhile
			}
		}
	}
	return nil
}

// inside sets lo up and peer up as eth0 at addr, with a default route via gw.
func inside(h *netlink.Handle, peer string, addr netip.Prefix, gw netip.Addr) error {
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.LinkSetUp(lo)
	}
	if err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	eth, err := h.LinkByName(peer)
	if err != nil {
		return err
	}
	if err := h.LinkSetName(eth, "eth0"); err != nil {
		return fmt.Errorf("rename %s to eth0: %w", peer, err)
	}
	ipnet := &net.IPNet{IP: addr.Addr().AsSlice(), Mask: net.CIDRMask(addr.Bits(), addr.Addr().BitLen())}
	if err := h.AddrAdd(eth, &netlink.Addr{IPNet: ipnet}); err != nil {
		return fmt.Errorf("add address %s: %w", addr, err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		return fmt.Errorf("eth0 up: %w", err)
	}
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth.Attrs().Index, Gw: gw.AsSlice()}); err != nil {
		return fmt.Errorf("default route via %s: %w", gw, err)
	}
	return nil
}

// detachNetlink deletes the host end of the veth pair (which takes the peer with it) and the
// named namespace; missing ones are fine.
func detachNetlink(name, host string) {
	if l, err := netlink.LinkByName(host); err == nil {
		netlink.LinkDel(l) //nolint:errcheck // gone with its namespace meanwhile
	}
	path := NetNSPath(name)
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err == nil || errors.Is(err, unix.EINVAL) {
		os.Remove(path) // EINVAL: not a mount point (half made); the file may still be there
	}
}
