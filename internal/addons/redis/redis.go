// Package redis is the heroku-redis add-on provider: each instance is a redis-server of its
// own, run by the supervisor as an unprivileged uid, with its data (AOF and RDB) in its
// directory, a password on the default user, and maxmemory, eviction policy and client
// limit set by its plan.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/pki"
)

// ServiceName is the service this provider serves.
const ServiceName = "heroku-redis"

// Config configures a Provider.
type Config struct {
	// Root holds one directory per instance (DATA/addons); its ancestors must be
	// searchable by the instances' uids.
	Root string
	// Ports hands out listening ports; share one between all providers.
	Ports *addons.Ports
	// Box seals the instances' state (their passwords) at rest.
	Box addons.Sealer
	// CA signs the certificates of instances created with tls=true; without it they are
	// refused.
	CA *pki.CA
	// Binary is redis-server's path; looked up on PATH when empty.
	Binary string
	Logger *slog.Logger
	// Supervisor tunes the process supervisor (tests shorten its timings).
	Supervisor supervisor.Config
}

// Provider runs heroku-redis instances.
type Provider struct {
	cfg   Config
	dirs  addons.Dirs
	sup   *supervisor.Supervisor
	locks addons.Locks
	log   *slog.Logger
}

var _ addons.Provider = (*Provider)(nil)

// state is what the provider keeps about an instance, sealed in its state.json.
type state struct {
	ID            string
	Plan          string
	Port          int
	Created       time.Time
	Password      string // the default user's, handed to apps
	AdminPassword string // the "bera" user's, for Info and Rotate
	Policy        string // maxmemory-policy
	TLS           bool
	Provisioned   bool // false while Provision runs (or if it failed)
}

// New opens the provider on cfg.Root and adopts (or starts again) the instances there.
// An instance that cannot be started is logged and left for Deprovision.
func New(cfg Config) (*Provider, error) {
	if cfg.Binary == "" {
		path, err := exec.LookPath("redis-server")
		if err != nil {
			return nil, fmt.Errorf("heroku-redis: %w", err)
		}
		cfg.Binary = path
	}
	abs, err := filepath.Abs(cfg.Binary)
	if err != nil {
		return nil, err
	}
	cfg.Binary = abs
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
	if !st.Provisioned {
		return nil
	}
	p.cfg.Ports.Reserve(st.Port)
	dir := p.dirs.Dir(id)
	changed, err := p.refreshConf(st)
	if err != nil {
		return err
	}
	if changed { // bind takes a restart (an instance of an older Bera)
		if err := p.sup.Stop(context.Background(), p.spec(st)); err != nil {
			return err
		}
	}
	renew := st.TLS && p.cfg.CA != nil && (changed || addons.CertDue(filepath.Join(dir, "tls.crt"), addons.RenewBefore))
	if renew {
		if err := p.writeCert(dir, addons.InstanceOwner(id)); err != nil {
			return err
		}
	}
	adopted, err := p.sup.Start(p.spec(st))
	if err != nil || !adopted || !renew {
		return err
	}
	// A running redis-server loads the files again when tls-cert-file is set.
	c := p.admin(st)
	defer c.Close()
	return c.ConfigSet(context.Background(), "tls-cert-file", filepath.Join(dir, "tls.crt")).Err()
}

// Service describes heroku-redis and its plans.
func (p *Provider) Service() addons.Service {
	return addons.Service{Name: ServiceName, HumanName: "Heroku Key-Value Store", Plans: publicPlans()}
}

// Provision creates and starts instance req.ID and returns once it answers PING.
// req.Config may set tls=true (clients then use rediss://) and maxmemory_policy.
func (p *Provider) Provision(ctx context.Context, req addons.Request) (addons.Instance, error) {
	pl, err := findPlan(req.Plan)
	if err != nil {
		return addons.Instance{}, err
	}
	st, err := p.newState(req, pl)
	if err != nil {
		return addons.Instance{}, err
	}
	defer p.locks.Lock(req.ID)()
	dir, err := p.dirs.Create(req.ID)
	if err != nil {
		return addons.Instance{}, err
	}
	if st.Port, err = p.cfg.Ports.Allocate(); err != nil {
		return addons.Instance{}, err
	}
	if err := p.dirs.Save(st.ID, st); err != nil {
		return addons.Instance{}, err
	}
	if err := p.writeFiles(dir, st, pl); err != nil {
		return addons.Instance{}, err
	}
	if _, err := p.sup.Start(p.spec(st)); err != nil {
		return addons.Instance{}, err
	}
	if err := p.waitReady(ctx, st); err != nil {
		return addons.Instance{}, err
	}
	st.Provisioned = true
	if err := p.dirs.Save(st.ID, st); err != nil {
		return addons.Instance{}, err
	}
	return p.instance(st), nil
}

func (p *Provider) newState(req addons.Request, pl plan) (state, error) {
	st := state{ID: req.ID, Plan: pl.Name, Created: time.Now().UTC().Truncate(time.Second),
		Password: addons.NewPassword(64), AdminPassword: addons.NewPassword(64), Policy: pl.policy}
	if v, ok := req.Config["maxmemory_policy"]; ok {
		if !validPolicy(v) {
			return state{}, fmt.Errorf("maxmemory_policy %q: %w", v, errInvalidPolicy)
		}
		st.Policy = v
	}
	if req.Config["tls"] == "true" {
		if p.cfg.CA == nil {
			return state{}, errors.New("heroku-redis: tls=true needs Bera's CA")
		}
		st.TLS = true
	}
	return st, nil
}

// Deprovision stops instance id and removes its directory.
func (p *Provider) Deprovision(ctx context.Context, id string) error {
	defer p.locks.Lock(id)()
	var st state
	if err := p.dirs.Load(id, &st); err != nil {
		return err
	}
	if err := p.sup.Stop(ctx, p.spec(st)); err != nil {
		return err
	}
	p.cfg.Ports.Release(st.Port)
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

// PID returns the pid of instance id's redis-server while it runs.
func (p *Provider) PID(id string) (int, bool) { return p.sup.PID(id) }

// Close stops supervising and leaves the instances running.
func (p *Provider) Close() error { return p.sup.Close() }

// Shutdown stops every instance under the root, keeping their data, even after Close
// (tests, development servers whose add-ons should not outlive them).
func (p *Provider) Shutdown(ctx context.Context) error {
	ids, err := p.dirs.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if st, err := p.load(id); err == nil {
			errs = append(errs, p.sup.Stop(ctx, p.spec(st)))
		}
	}
	return errors.Join(errs...)
}

// load reads the state of a provisioned instance. Returns ErrNotFound.
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

// Dir returns the directory of instance id (its data, redis.conf and redis.log).
func (p *Provider) Dir(id string) string { return p.dirs.Dir(id) }
