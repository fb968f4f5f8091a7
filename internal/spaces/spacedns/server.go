package spacedns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// Defaults for the Config fields left zero.
const (
	DefaultMaxForwards    = 64
	DefaultForwardTimeout = 2 * time.Second
	defaultResolvConf     = "/etc/resolv.conf"
)

// Config configures one space's resolver.
type Config struct {
	// Listen is the addresses to serve on, "10.1.0.1:53" for a space's gateway; each is
	// served over UDP and TCP on the same port. A port of 0 picks one (tests). The resolver
	// listens nowhere else, so only what can reach these addresses can use it.
	Listen []string

	// Forward is the upstream resolvers ("ip:port", or "ip" for port 53) that answer every
	// name outside localspace. Empty means the nameservers of /etc/resolv.conf.
	Forward []string

	// MaxForwards bounds the forwarded queries in flight; a query beyond it gets SERVFAIL at
	// once, so that a flood of outside names cannot turn the resolver into a relay that holds
	// an unbounded number of upstream exchanges. Zero means DefaultMaxForwards.
	MaxForwards int

	// ForwardTimeout bounds one forwarded query over all upstreams, UDP and the TCP retry;
	// past it the client gets SERVFAIL. Zero means DefaultForwardTimeout.
	ForwardTimeout time.Duration

	// Logger receives serve errors and skipped records; nil means slog.Default().
	Logger *slog.Logger
}

// Server is one space's resolver: it answers the space's names from a table that Set
// replaces and forwards the rest.
type Server struct {
	logger    *slog.Logger
	table     atomic.Pointer[table]
	rotate    atomic.Uint32 // rotates multi-address answers between queries
	forwarder *forwarder

	servers []*dns.Server
	addrs   []net.Addr
	wg      sync.WaitGroup
	cancel  context.CancelFunc // aborts forwarded queries on Close
	closed  sync.Once
	err     error // of the first Close
}

// New binds the Listen addresses and starts serving. The table starts empty: every app
// name is NXDOMAIN until the first Set.
func New(cfg Config) (*Server, error) {
	if len(cfg.Listen) == 0 {
		return nil, errors.New("spacedns: no listen address")
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{logger: logger.With("component", "spacedns")}
	s.table.Store(&table{names: map[string]*entry{Zone: {}, appZone: {}}})

	// The forwarder exists before the first socket does, so that no query finds it missing.
	err := s.startForwarder(cfg)
	for _, addr := range cfg.Listen {
		if err != nil {
			break
		}
		err = s.listen(addr)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// startForwarder reads the upstreams, leaving out the resolver's own addresses: forwarding
// to itself would loop until every forward slot is taken.
func (s *Server) startForwarder(cfg Config) error {
	upstreams, err := upstreamAddrs(cfg.Forward, defaultResolvConf)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	if listen, err := upstreamAddrs(cfg.Listen, ""); err == nil {
		for _, a := range listen {
			own[a] = true
		}
	}
	var kept []string
	for _, u := range upstreams {
		if !own[u] {
			kept = append(kept, u)
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("spacedns: no upstream resolver other than itself in %v", upstreams)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.forwarder = newForwarder(ctx, kept, cfg.MaxForwards, cfg.ForwardTimeout)
	return nil
}

// listen serves addr over UDP and TCP on the same port. With port 0 the UDP socket picks
// the port and TCP takes the same one; if another program holds that TCP port, it tries
// a new pair a few times.
func (s *Server) listen(addr string) error {
	var lastErr error
	for range 5 {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("spacedns: listen udp %s: %w", addr, err)
		}
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			lastErr = fmt.Errorf("spacedns: listen tcp %s: %w", pc.LocalAddr(), err)
			if _, port, _ := net.SplitHostPort(addr); port == "0" {
				continue
			}
			return lastErr
		}
		s.addrs = append(s.addrs, pc.LocalAddr())
		s.serve(&dns.Server{PacketConn: pc, Handler: s})
		s.serve(&dns.Server{Listener: l, Handler: s})
		return nil
	}
	return lastErr
}

// serve runs srv until Close and returns once it is serving, so that Close never races its
// start and a test's first query finds it ready.
func (s *Server) serve(srv *dns.Server) {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	s.servers = append(s.servers, srv)
	s.wg.Go(func() {
		if err := srv.ActivateAndServe(); err != nil {
			s.logger.Error("dns serve", "err", err)
			select {
			case <-started:
			default:
				close(started)
			}
		}
	})
	<-started
}

// Addrs returns the bound UDP addresses, one per Listen address; TCP listens on the same
// ports.
func (s *Server) Addrs() []net.Addr {
	return s.addrs
}

// Set replaces the whole table with records, atomically: a query sees the old table or the
// new one, never a mix. It is safe while serving and cheap enough to call on every change of
// a dyno's state (it builds a map of a few entries per record). Invalid records (a name that
// is not a DNS label, a dyno number below 1, an invalid address) are skipped and logged.
func (s *Server) Set(records []Record) {
	t, bad := newTable(records)
	s.table.Store(t)
	for _, r := range bad {
		s.logger.Warn("dns record skipped", "app", r.App, "process", r.Process, "dyno", r.Dyno, "addr", r.Addr)
	}
}

// Close stops serving, aborts forwarded queries and waits for the servers to stop. Later
// calls return the first one's result.
func (s *Server) Close() error {
	s.closed.Do(func() { s.err = s.close() })
	return s.err
}

func (s *Server) close() error {
	if s.cancel != nil {
		s.cancel()
	}
	var errs []error
	for _, srv := range s.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	s.wg.Wait()
	return errors.Join(errs...)
}
