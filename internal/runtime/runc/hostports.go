package runc

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.HostAccess = (*Runtime)(nil)

// Dynos reach the host only at the gateway and on the ports given to their app: the input
// chain accepts a connection whose (dyno address . port) is in the set hostPortsSet, and
// the runtime keeps that set equal to its dynos' addresses crossed with their app's ports.
// The set is rewritten whole, in one nft transaction, whenever either side changes for an
// app that has ports; dynos of apps without any cost nothing at start.
const hostPortsSet = "host_ports"

// HostAddress is the bridge's gateway, the host as the dynos see it.
func (r *Runtime) HostAddress() netip.Addr { return r.net.gateway() }

// SetHostPorts replaces the ports of the gateway each app's dynos may connect to.
func (r *Runtime) SetHostPorts(ports map[string][]int) error {
	for app, list := range ports {
		for _, p := range list {
			if p < 1 || p > 65535 {
				return fmt.Errorf("host port %d of app %s: out of range", p, app)
			}
		}
	}
	r.hostMu.Lock()
	defer r.hostMu.Unlock()
	r.mu.Lock()
	r.hostPorts = map[string][]int{}
	for app, list := range ports {
		if len(list) > 0 {
			r.hostPorts[app] = slices.Clone(list)
		}
	}
	r.mu.Unlock()
	return r.syncHostPortsLocked()
}

// admit records that the dyno at addr belongs to appID, and lets it reach its app's ports
// before it runs.
func (r *Runtime) admit(addr netip.Addr, appID string) error {
	r.hostMu.Lock()
	defer r.hostMu.Unlock()
	r.mu.Lock()
	r.ipApp[addr] = appID
	granted := len(r.hostPorts[appID]) > 0
	r.mu.Unlock()
	if !granted {
		return nil
	}
	return r.syncHostPortsLocked()
}

// dismiss forgets the dyno at addr: its address may go to another app's dyno next.
func (r *Runtime) dismiss(addr netip.Addr) {
	r.hostMu.Lock()
	defer r.hostMu.Unlock()
	r.mu.Lock()
	app, known := r.ipApp[addr]
	delete(r.ipApp, addr)
	granted := known && len(r.hostPorts[app]) > 0
	r.mu.Unlock()
	if !granted {
		return
	}
	if err := r.syncHostPortsLocked(); err != nil {
		r.log.Error("withdraw a stopped dyno's host ports", "addr", addr, "err", err)
	}
}

// syncHostPortsLocked loads the set the runtime's state gives. r.hostMu must be held.
func (r *Runtime) syncHostPortsLocked() error {
	r.mu.Lock()
	script := r.hostPortsScriptsLocked()
	r.mu.Unlock()
	if err := run(context.Background(), strings.NewReader(script), "nft", "-f", "-"); err != nil {
		return fmt.Errorf("set the dynos' host ports: %w", err)
	}
	return nil
}

// hostPortsScript is the nft script replacing the set's elements by (address . port) for
// every dyno address in ipApp and port of its app in ports.
func (n network) hostPortsScript(ipApp map[netip.Addr]string, ports map[string][]int) string {
	var elems []string
	for addr, app := range ipApp {
		for _, p := range ports[app] {
			elems = append(elems, fmt.Sprintf("%s . %d", addr, p))
		}
	}
	slices.Sort(elems)
	elems = slices.Compact(elems)
	t := "bera_" + n.bridge
	script := fmt.Sprintf("flush set inet %s %s\n", t, hostPortsSet)
	if len(elems) > 0 {
		script += fmt.Sprintf("add element inet %s %s { %s }\n", t, hostPortsSet, strings.Join(elems, ", "))
	}
	return script
}
