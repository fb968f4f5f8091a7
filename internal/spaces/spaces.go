// Package spaces runs Private Spaces on one server: for each space, its network in the
// runtime (runtime.Networks: a bridge, subnet and rules of its own) and its DNS resolver on
// the network's gateway (spacedns), whose table follows the up dynos of the space's apps.
//
// The API stores spaces and calls Up and Down (api.SpaceNetworks); the reconciler asks
// NetworkOf which network an app's dynos join and tells DynosChanged when they change
// state, which sets the app's names in its space's resolver at once.
package spaces

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
)

// Store is what the service reads.
type Store interface {
	ListSpaces(ctx context.Context, userID string) ([]*bera.Space, error)
	App(ctx context.Context, idOrName string) (*bera.App, error)
	SpaceApps(ctx context.Context, spaceID string) (map[string]string, error)
}

// Dyno is an up dyno of an app: its name (web.1) and address (ip:port).
type Dyno struct {
	Name string
	Addr string
}

// Config configures a Service.
type Config struct {
	Store    Store
	Networks runtime.Networks
	// Up returns an app's up dynos (the reconciler's).
	Up func(appID string) []Dyno
	// Forward are the resolvers names outside app.localspace go to; empty means the
	// host's /etc/resolv.conf.
	Forward []string
	// DNSPort is the port the resolvers listen on at each gateway (53; tests may change it).
	DNSPort int
	Logger  *slog.Logger
}

// Service runs the spaces of one server. Its methods are safe for concurrent use.
type Service struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	spaces map[string]*space  // by space id
	apps   map[string]appInfo // by app id, what NetworkOf found
}

type space struct {
	sp  *bera.Space
	dns *spacedns.Server
}

type appInfo struct {
	spaceID, name string
}

// New returns a service; Start brings up the spaces the store has.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DNSPort == 0 {
		cfg.DNSPort = 53
	}
	return &Service{cfg: cfg, log: cfg.Logger.With("component", "spaces"), spaces: map[string]*space{}, apps: map[string]appInfo{}}
}

// Start brings up every stored space's network and resolver: call it before dynos start.
func (s *Service) Start(ctx context.Context) error {
	list, err := s.cfg.Store.ListSpaces(ctx, "")
	if err != nil {
		return err
	}
	var errs []error
	for _, sp := range list {
		if err := s.Up(ctx, sp); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Up makes sp's network and starts its resolver (idempotent).
func (s *Service) Up(ctx context.Context, sp *bera.Space) error {
	gw, err := s.cfg.Networks.EnsureNetwork(ctx, sp.ID, sp.CIDR)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.spaces[sp.ID]; ok {
		cur.sp = sp
		return nil
	}
	dns, err := spacedns.New(spacedns.Config{Listen: []string{net.JoinHostPort(gw.String(), strconv.Itoa(s.cfg.DNSPort))},
		Forward: s.cfg.Forward, Logger: s.log.With("space", sp.Name)})
	if err != nil {
		return fmt.Errorf("space %s: start its DNS resolver: %w", sp.Name, err)
	}
	s.spaces[sp.ID] = &space{sp: sp, dns: dns}
	s.log.Info("space up", "space", sp.Name, "cidr", sp.CIDR, "resolver", gw)
	go s.refreshSpace(context.WithoutCancel(ctx), sp.ID)
	return nil
}

// Down stops sp's resolver and removes its network. The space has no apps left, but the
// dynos of the last ones may still be stopping (their grace period): Down waits for them,
// up to a minute.
func (s *Service) Down(ctx context.Context, sp *bera.Space) error {
	s.mu.Lock()
	cur, ok := s.spaces[sp.ID]
	delete(s.spaces, sp.ID)
	s.mu.Unlock()
	if ok {
		cur.dns.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		err := s.cfg.Networks.RemoveNetwork(ctx, sp.ID, sp.CIDR)
		if bera.ErrorCode(err) != bera.EConflict {
			return err
		}
		select {
		case <-ctx.Done():
			return bera.Errorf(bera.EConflict, "Space %s still has dynos stopping; its network stays until they are gone: try again.", sp.Name)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Close stops every resolver. The networks stay: the dynos on them keep running.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sp := range s.spaces {
		sp.dns.Close()
		delete(s.spaces, id)
	}
	return nil
}

// NetworkOf is the space an app's dynos join ("" for the common runtime). An app's space
// is set when it is created and never changes, so the answer is kept.
func (s *Service) NetworkOf(ctx context.Context, appID string) (string, error) {
	info, err := s.app(ctx, appID)
	return info.spaceID, err
}

func (s *Service) app(ctx context.Context, appID string) (appInfo, error) {
	s.mu.Lock()
	info, ok := s.apps[appID]
	s.mu.Unlock()
	if ok {
		return info, nil
	}
	app, err := s.cfg.Store.App(ctx, appID)
	if err != nil {
		return appInfo{}, err
	}
	info = appInfo{spaceID: app.SpaceID, name: app.Name}
	s.mu.Lock()
	s.apps[appID] = info
	s.mu.Unlock()
	return info, nil
}

// DynosChanged is the reconciler's change hook: the app's names in its space's resolver
// are set again from its up dynos.
func (s *Service) DynosChanged(appID string) {
	info, err := s.app(context.Background(), appID)
	if err != nil || info.spaceID == "" {
		if err != nil && bera.ErrorCode(err) == bera.ENotFound {
			s.forget(appID)
		}
		return
	}
	s.refreshSpace(context.Background(), info.spaceID)
}

// Adopted sets every space's table again: call it once the reconciler has adopted the
// dynos a previous server left, whose names the resolvers do not know yet.
func (s *Service) Adopted() {
	s.mu.Lock()
	ids := make([]string, 0, len(s.spaces))
	for id := range s.spaces {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.refreshSpace(context.Background(), id)
	}
}

// forget drops a deleted app from every space's table.
func (s *Service) forget(appID string) {
	s.mu.Lock()
	info, ok := s.apps[appID]
	delete(s.apps, appID)
	s.mu.Unlock()
	if ok && info.spaceID != "" {
		s.refreshSpace(context.Background(), info.spaceID)
	}
}

// refreshSpace sets the space's whole table from its apps' up dynos.
func (s *Service) refreshSpace(ctx context.Context, spaceID string) {
	apps, err := s.cfg.Store.SpaceApps(ctx, spaceID)
	if err != nil {
		s.log.Error("list a space's apps", "space", spaceID, "err", err)
		return
	}
	var records []spacedns.Record
	for appID, name := range apps {
		records = append(records, Records(name, s.cfg.Up(appID))...)
	}
	s.mu.Lock()
	sp := s.spaces[spaceID]
	s.mu.Unlock()
	if sp != nil {
		sp.dns.Set(records)
	}
}

// Records turns an app's up dynos into its DNS records: web.1 at 10.1.0.5:5000 becomes
// 1.web.APP.app.localspace and a part of web.APP.app.localspace.
func Records(app string, dynos []Dyno) []spacedns.Record {
	out := make([]spacedns.Record, 0, len(dynos))
	for _, d := range dynos {
		typ, num, ok := strings.Cut(d.Name, ".")
		n, err := strconv.Atoi(num)
		ap, perr := netip.ParseAddrPort(d.Addr)
		if !ok || err != nil || perr != nil {
			continue // one-off dynos (run.N) have names too, but not addresses the reconciler knows
		}
		out = append(out, spacedns.Record{App: app, Process: typ, Dyno: n, Addr: ap.Addr()})
	}
	return out
}
