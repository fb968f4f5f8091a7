// Package postgres is the heroku-postgresql add-on provider. On its dedicated plans each
// instance is a PostgreSQL server of its own, run by the supervisor from the machine's
// binaries as an unprivileged uid, with its data directory under the provider's root, its
// own port, TLS with a certificate from Bera's CA, scram-sha-256 for every login, and a
// "default" credential that owns the database but is not a superuser. Its "shared" plan
// (when the operator gives a server) creates a database and a role on that server instead.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/pki"
)

// ServiceName is the service this provider serves.
const ServiceName = "heroku-postgresql"

// Config configures a Provider.
type Config struct {
	// Root holds one directory per instance (DATA/addons); its ancestors must be
	// searchable by the instances' uids.
	Root string
	// Ports hands out listening ports; share one between all providers.
	Ports *addons.Ports
	// Box seals the instances' state (their passwords) at rest.
	Box addons.Sealer
	// CA signs the dedicated instances' server certificates. Required.
	CA *pki.CA
	// BinDir holds initdb, postgres, pg_dump and pg_restore; the newest
	// /usr/lib/postgresql/*/bin (or the directory of postgres on PATH) when empty.
	BinDir string
	// SharedURL is a PostgreSQL server (a role that may create roles and databases) on
	// which the shared plan creates its databases (--addon-postgres-url). Without it the
	// shared plan is not offered.
	SharedURL string
	Logger    *slog.Logger
	// Supervisor tunes the process supervisor (tests shorten its timings).
	Supervisor supervisor.Config
}

// Provider runs heroku-postgresql instances.
type Provider struct {
	cfg   Config
	dirs  addons.Dirs
	sup   *supervisor.Supervisor
	locks addons.Locks
	log   *slog.Logger
}

var (
	_ addons.Provider = (*Provider)(nil)
	_ addons.Backups  = (*Provider)(nil)
)

// state is what the provider keeps about an instance, sealed in its state.json.
type state struct {
	ID      string
	Plan    string
	Created time.Time
	Shared  bool
	// Port and Superuser (the "postgres" role's password) belong to dedicated instances.
	Port      int
	Superuser string
	// The default credential and its database.
	User, Password, Database string
	Provisioned              bool // false while Provision runs (or if it failed)
}

// New opens the provider on cfg.Root and adopts (or starts again) the dedicated instances
// there. An instance that cannot be started is logged and left for Deprovision.
func New(cfg Config) (*Provider, error) {
	if cfg.CA == nil {
		return nil, errors.New("heroku-postgresql: no CA for the instances' certificates")
	}
	if cfg.BinDir == "" {
		dir, err := FindBinDir()
		if err != nil {
			return nil, err
		}
		cfg.BinDir = dir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Ports == nil {
		cfg.Ports = &addons.Ports{}
	}
	cfg.Supervisor.Logger = cfg.Logger
	p := &Provider{cfg: cfg, dirs: addons.Dirs{Root: cfg.Root, Service: ServiceName, Box: cfg.Box},
		sup: supervisor.New(cfg.Supervisor), log: cfg.Logger.With("service", ServiceName)}
	if err := p.dirs.Open(p.log, p.adopt); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Provider) adopt(id string) error {
	var st state
	if err := p.dirs.Load(id, &st); err != nil {
		return err
	}
	if !st.Provisioned || st.Shared {
		return nil
	}
	p.cfg.Ports.Reserve(st.Port)
	data := filepath.Join(p.dirs.Dir(id), "data")
	changed, err := p.refreshConfig(data, st)
	if err != nil {
		return err
	}
	if changed { // listen_addresses takes a restart (an instance of an older Bera)
		if err := p.sup.Stop(context.Background(), p.spec(st)); err != nil {
			return err
		}
	}
	renew := changed || addons.CertDue(filepath.Join(data, "server.crt"), addons.RenewBefore)
	if renew {
		if err := p.writeCert(data, addons.InstanceOwner(id)); err != nil {
			return err
		}
	}
	adopted, err := p.sup.Start(p.spec(st))
	if err != nil || !adopted || !renew {
		return err
	}
	// A running postmaster reloads its certificate on SIGHUP.
	if pid, ok := p.sup.PID(id); ok {
		return syscall.Kill(pid, syscall.SIGHUP)
	}
	return nil
}

// Service describes heroku-postgresql and its plans.
func (p *Provider) Service() addons.Service {
	return addons.Service{Name: ServiceName, HumanName: "Heroku Postgres", Plans: p.publicPlans()}
}

// Provision creates instance req.ID and returns once its database accepts the default
// credential: a few seconds for a dedicated plan (initdb and start), less for shared.
func (p *Provider) Provision(ctx context.Context, req addons.Request) (addons.Instance, error) {
	pl, err := p.findPlan(req.Plan)
	if err != nil {
		return addons.Instance{}, err
	}
	defer p.locks.Lock(req.ID)()
	dir, err := p.dirs.Create(req.ID)
	if err != nil {
		return addons.Instance{}, err
	}
	st := state{ID: req.ID, Plan: pl.Name, Created: time.Now().UTC().Truncate(time.Second), Shared: pl.shared,
		User: "u" + lowerID(14), Password: addons.NewPassword(64), Database: "d" + lowerID(14)}
	if pl.shared {
		err = p.provisionShared(ctx, &st, pl)
	} else {
		err = p.provisionDedicated(ctx, dir, &st, pl)
	}
	if err != nil {
		return addons.Instance{}, err
	}
	st.Provisioned = true
	if err := p.dirs.Save(st.ID, st); err != nil {
		return addons.Instance{}, err
	}
	return p.instance(st), nil
}

// Deprovision stops instance id and removes its data (a shared plan's database and role).
func (p *Provider) Deprovision(ctx context.Context, id string) error {
	defer p.locks.Lock(id)()
	st, err := p.load(id)
	if err != nil {
		return err
	}
	if st.Shared {
		err = p.dropShared(ctx, st)
	} else {
		err = p.sup.Stop(ctx, p.spec(st))
		p.cfg.Ports.Release(st.Port)
	}
	if err != nil {
		return err
	}
	return p.dirs.Remove(id)
}

// Instance returns instance id.
func (p *Provider) Instance(ctx context.Context, id string) (addons.Instance, error) {
	st, err := p.load(id)
	if err != nil {
		return addons.Instance{}, err
	}
	return p.instance(st), nil
}

// Credentials returns the default credential of id.
func (p *Provider) Credentials(ctx context.Context, id string) ([]addons.Credential, error) {
	st, err := p.load(id)
	if err != nil {
		return nil, err
	}
	return []addons.Credential{p.credential(st)}, nil
}

// PID returns the pid of a dedicated instance's postmaster while it runs.
func (p *Provider) PID(id string) (int, bool) { return p.sup.PID(id) }

// Dir returns the directory of instance id (data/, postgres.log, state.json).
func (p *Provider) Dir(id string) string { return p.dirs.Dir(id) }

// Close stops supervising and leaves the instances running.
func (p *Provider) Close() error { return p.sup.Close() }

// Shutdown stops every dedicated instance under the root, keeping their data, even after
// Close (tests, development servers whose add-ons should not outlive them).
func (p *Provider) Shutdown(ctx context.Context) error {
	ids, err := p.dirs.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if st, err := p.load(id); err == nil && !st.Shared {
			errs = append(errs, p.sup.Stop(ctx, p.spec(st)))
		}
	}
	return errors.Join(errs...)
}

func (p *Provider) load(id string) (state, error) {
	var st state
	if err := p.dirs.Load(id, &st); err != nil {
		return state{}, err
	}
	return st, nil
}

func (p *Provider) instance(st state) addons.Instance {
	c := p.credential(st)
	return addons.Instance{ID: st.ID, Service: ServiceName, Plan: st.Plan, Addr: p.addr(st),
		Created: st.Created, URL: c.URL}
}

// lowerID returns n random lower-case letters and digits, for role and database names.
func lowerID(n int) string {
	s := addons.NewPassword(3 * n)
	out := make([]byte, 0, n)
	for i := 0; i < len(s) && len(out) < n; i++ {
		if c := s[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			out = append(out, c)
		}
	}
	for len(out) < n {
		out = append(out, 'x')
	}
	return string(out)
}

var errShared = fmt.Errorf("heroku-postgresql:shared: %w (no --addon-postgres-url)", addons.ErrUnknownPlan)
