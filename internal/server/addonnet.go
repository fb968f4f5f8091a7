package server

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/store"
)

// addonAccess keeps a runtime's host ports (runtime.HostAccess) equal to the add-ons
// attached to each app: an app's dynos reach the instances of its add-ons on the dynos'
// host address, and no other. It is worked out again from the store whenever an
// attachment may have come or gone: at the start, before the dynos of a release start
// (an attach release gives the app its add-on before its dynos restart), and after an
// attachment or an add-on is deleted (the detach releases come before that).
type addonAccess struct {
	host runtime.HostAccess
	st   *store.Store
	reg  *addons.Registry
	log  *slog.Logger

	mu sync.Mutex // serializes syncs, so that an older view never replaces a newer one
}

// newAddonAccess returns the access of rt's dynos, or nil for a runtime whose dynos are on
// the host's network (they reach 127.0.0.1, where the instances listen, anyway).
func newAddonAccess(rt runtime.Runtime, st *store.Store, reg *addons.Registry, log *slog.Logger) *addonAccess {
	h, ok := rt.(runtime.HostAccess)
	if !ok {
		return nil
	}
	return &addonAccess{host: h, st: st, reg: reg, log: log.With("component", "addons")}
}

// sync gives every app's dynos the ports of the instances attached to it. Failures are
// logged: the dynos keep the access they had.
func (a *addonAccess) sync(ctx context.Context) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	ports, err := a.ports(ctx)
	if err == nil {
		err = a.host.SetHostPorts(ports)
	}
	if err != nil {
		a.log.Error("giving dynos their add-ons' ports", "err", err)
	}
}

// ports lists, by app id, the ports of the provisioned instances attached to the app that
// listen on the dynos' host address (a shared plan's server elsewhere is left out).
func (a *addonAccess) ports(ctx context.Context) (map[string][]int, error) {
	atts, err := a.st.ListAttachments(ctx, "", "")
	if err != nil {
		return nil, err
	}
	byAddon := map[string]int{} // 0: no instance on the dynos' address
	ports := map[string][]int{}
	for _, t := range atts {
		port, seen := byAddon[t.AddonID]
		if !seen {
			port = a.port(ctx, t.AddonID)
			byAddon[t.AddonID] = port
		}
		if port != 0 {
			ports[t.AppID] = append(ports[t.AppID], port)
		}
	}
	return ports, nil
}

// port is the port of add-on id's instance on the dynos' host address, or 0.
func (a *addonAccess) port(ctx context.Context, id string) int {
	addon, err := a.st.Addon(ctx, id)
	if err != nil {
		return 0
	}
	prov, err := a.reg.Provider(addon.Service)
	if err != nil {
		return 0
	}
	inst, err := prov.Instance(ctx, addon.ID)
	if err != nil {
		return 0 // not provisioned (yet), or gone
	}
	host, p, err := net.SplitHostPort(inst.Addr)
	if err != nil || host != a.host.HostAddress().String() {
		return 0
	}
	port, _ := strconv.Atoi(p)
	return port
}

// converger gives the app's dynos their add-ons' ports before its release's dynos start.
func (a *addonAccess) converger(next release.Converger) release.Converger {
	if a == nil {
		return next
	}
	return convergeFunc(func(appID string) {
		a.sync(context.Background())
		next.Converge(appID)
	})
}

type convergeFunc func(appID string)

func (f convergeFunc) Converge(appID string) { f(appID) }

// addonStore is the store the API writes to: after an attachment or an add-on is deleted,
// the dynos lose the ports it gave them.
type addonStore struct {
	*store.Store
	access *addonAccess
}

// DeleteAttachment deletes the attachment and withdraws its port from the app's dynos.
func (s addonStore) DeleteAttachment(ctx context.Context, id string) error {
	err := s.Store.DeleteAttachment(ctx, id)
	s.access.sync(ctx)
	return err
}

// DestroyAddon marks the add-on destroyed and withdraws its port from every app's dynos.
func (s addonStore) DestroyAddon(ctx context.Context, id string) error {
	err := s.Store.DestroyAddon(ctx, id)
	s.access.sync(ctx)
	return err
}
