package addons

import (
	"context"
	"errors"
	"io"
	"regexp"
	"time"
)

// Errors providers return; callers compare them with errors.Is.
var (
	// ErrNotFound means no instance has that id.
	ErrNotFound = errors.New("add-on instance not found")
	// ErrExists means an instance with that id already exists.
	ErrExists = errors.New("add-on instance already exists")
	// ErrUnknownPlan means the plan is not one of the provider's plans.
	ErrUnknownPlan = errors.New("unknown add-on plan")
	// ErrNotSupported means the provider cannot do what was asked (Redis backups).
	ErrNotSupported = errors.New("not supported by this add-on service")
	// ErrInvalidID means an instance id is not a safe name (letters, digits, '-', '_').
	ErrInvalidID = errors.New("invalid add-on instance id")
)

// Provider runs the instances of one add-on service. Its lifecycle:
//
//  1. New (in the subpackage) opens the provider on its root directory and adopts the
//     instances already there: a running one is watched as it is, a stopped one is started.
//  2. Provision creates an instance and returns once it accepts connections (seconds: the
//     API runs it in the background and shows the add-on as "provisioning" meanwhile).
//  3. Credentials, Rotate and Info serve the running instance; Backups, when the provider
//     implements it, dumps and restores its data.
//  4. Deprovision stops the instance and removes its data: the only call that does.
//  5. Close stops supervising and leaves the instances running, so that a restarted
//     server adopts them (like runc dynos).
//
// Methods are safe for concurrent use. Credentials never appear in logs or errors.
type Provider interface {
	// Service names the service and lists its plans.
	Service() Service
	// Provision creates instance req.ID on req.Plan. It returns ErrExists, ErrInvalidID or
	// ErrUnknownPlan, or an error saying what failed (the half-made instance can then be
	// removed with Deprovision).
	Provision(ctx context.Context, req Request) (Instance, error)
	// Deprovision stops instance id and removes its data. Returns ErrNotFound.
	Deprovision(ctx context.Context, id string) error
	// Instance returns what Provision returned for id. Returns ErrNotFound.
	Instance(ctx context.Context, id string) (Instance, error)
	// Credentials lists the credentials of id, "default" first. Returns ErrNotFound.
	Credentials(ctx context.Context, id string) ([]Credential, error)
	// Rotate gives credential name of id a new password: the old one is refused from then
	// on and the connections made with it are closed. Returns ErrNotFound.
	Rotate(ctx context.Context, id, name string) (Credential, error)
	// Info reports figures of the running instance. Returns ErrNotFound.
	Info(ctx context.Context, id string) (Info, error)
	// Close stops supervising the instances and leaves them running.
	Close() error
}

// Backups is implemented by providers that can dump and restore an instance's data.
type Backups interface {
	// Backup writes a consistent dump of id to w (for PostgreSQL, pg_dump's custom format).
	Backup(ctx context.Context, id string, w io.Writer) error
	// Restore replaces the objects of id with those of a dump Backup wrote.
	Restore(ctx context.Context, id string, r io.Reader) error
}

// Service describes an add-on service, e.g. heroku-postgresql.
type Service struct {
	Name      string // "heroku-postgresql"
	HumanName string // "Heroku Postgres"
	Plans     []Plan
}

// Plan is one plan of a service. Prices are always 0: Bera bills nobody.
type Plan struct {
	Name        string // "heroku-postgresql:standard-0"
	HumanName   string // "Standard 0"
	Description string
	Default     bool
	// Connections is the most client connections the plan allows.
	Connections int
	// Memory is the memory the instance is sized for, in bytes (Redis: maxmemory).
	Memory int64
}

// Request asks for a new instance.
type Request struct {
	// ID names the instance; the add-on's id (a UUID) in Bera.
	ID string
	// Plan is the plan's full name ("heroku-redis:premium-0") or the part after ':'.
	Plan string
	// Config holds the options given with addons:create (-- --key value).
	Config map[string]string
}

// Instance is a provisioned add-on instance.
type Instance struct {
	ID      string
	Service string
	Plan    string // full plan name
	// Addr is the host:port clients connect to. Network rules that keep other tenants'
	// dynos away from it are installed by the caller from this address.
	Addr    string
	Created time.Time
	// URL is the default credential's URL (postgres://… or redis://…), a secret.
	URL string
}

// Credential is one login to an instance. Password and URL are secrets.
type Credential struct {
	Name     string // "default"
	User     string
	Password string
	Database string
	Host     string
	Port     int
	URL      string
}

// Info holds figures of a running instance for pg:info and redis:info.
type Info struct {
	Version         string    // server version, e.g. "15.14"
	Created         time.Time // when the instance was provisioned
	Connections     int       // client connections now open
	ConnectionLimit int       // the plan's limit
	DataSize        int64     // bytes: database size (PostgreSQL) or memory used (Redis)
	// Rows are the lines Heroku's CLI prints, in its order and wording.
	Rows []InfoRow
}

// InfoRow is one line of pg:info or redis:info, shaped like the data API's info[] entries.
type InfoRow struct {
	Name   string
	Values []string
}

var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ValidID reports whether id can name an instance (and its directory).
func ValidID(id string) bool { return validID.MatchString(id) }

// FindPlan returns the plan of s named name: the full name, the part after ':', or "" for
// the default plan. Returns ErrUnknownPlan.
func (s Service) FindPlan(name string) (Plan, error) {
	for _, p := range s.Plans {
		if p.Name == name || p.Name == s.Name+":"+name || (name == "" && p.Default) {
			return p, nil
		}
	}
	return Plan{}, ErrUnknownPlan
}

// Resetter is implemented by providers that can empty an instance (pg:reset).
type Resetter interface {
	// Reset removes every object of id's data, keeping its credentials. Returns ErrNotFound.
	Reset(ctx context.Context, id string) error
}

// PolicySetter is implemented by providers whose eviction policy can change while they
// run (redis:maxmemory).
type PolicySetter interface {
	// SetPolicy sets id's maxmemory policy, kept across restarts. Returns ErrNotFound, or
	// ErrInvalidPolicy for a policy the service does not know.
	SetPolicy(ctx context.Context, id, policy string) error
}

// ErrInvalidPolicy means a maxmemory policy is not one the service knows.
var ErrInvalidPolicy = errors.New("unknown maxmemory policy")
