package server

import (
	"io"
	"log/slog"
	"time"

	"github.com/kingvon-ke/bera"
)

// Config is what `bera server` runs with: its flags (each also BERA_<FLAG>, see cmd/bera)
// and the few settings read from the environment. Paths are absolute.
type Config struct {
	// Data is the data directory: database, keys, slugs, repositories, runc bundles.
	Data string
	// Listen is the API, git and dashboard address (HTTP and TLS on one port).
	Listen string
	// RouterListen is the HTTP router's address; RouterTLSListen the HTTPS router's ("" off).
	RouterListen    string
	RouterTLSListen string
	// MetricsListen serves /metrics without an API key ("" off).
	MetricsListen string
	// RendezvousListen is where `heroku run` attaches to one-off dynos (TLS).
	RendezvousListen string
	// Domain is the apps' base domain: APP.Domain.
	Domain string
	// Runtime is auto, runc or process.
	Runtime     string
	DatabaseURL string
	RedisURL    string
	// AddonPostgresURL is a PostgreSQL server on which the heroku-postgresql:shared plan
	// creates a database and a role per add-on ("" offers no shared plan).
	AddonPostgresURL string
	// TLSCert and TLSKey are the --listen certificate; empty: one signed by DATA/ca.pem.
	TLSCert string
	TLSKey  string
	// LogLevel is debug, info, warn or error; it makes the default Logger.
	LogLevel string
	// APIRateLimit is the API requests an account may burst; 0 disables the limit.
	APIRateLimit         int
	AllowPrivateDrains   bool
	AllowPrivateSources  bool
	AllowLocalBuildpacks bool
	// Registry, when set, receives every CNB image after its release (REGISTRY/APP:vN);
	// RegistryInsecure reaches it over plain HTTP.
	Registry         string
	RegistryInsecure bool
	RuncBridge       string
	RuncSubnet       string
	// BuildMemory limits each build step in the runc sandbox, in bytes; 0 the default.
	BuildMemory int64
	// MachineCache is the shared build cache directory ("" DATA/cache/machine, "off" none).
	MachineCache string
	ACMECA       string
	ACMECARoot   string
	ACMEEmail    string
	// PublicURL, SourceSchemes and SourceHosts configure deploys from Git URLs and tarballs.
	PublicURL     string
	SourceSchemes string
	SourceHosts   string
	// MaxDynosPerApp, MaxDynosPerAccount and DynoSizes are the formation limits.
	MaxDynosPerApp     int
	MaxDynosPerAccount int
	DynoSizes          []string
	// RouterHandover is how long a stopped server's router socket waits for the next one
	// (0: it closes with the server).
	RouterHandover time.Duration
	// RouterFastPath lets --router-listen serve plain requests on the router's byte-level
	// HTTP/1.1 path (internal/router/fastpath); off, net/http serves them all.
	RouterFastPath bool
	// RouterEventLoop serves the fast path's keep-alive connections from an event loop for
	// every two CPUs (fastpath.Config.EventLoop).
	RouterEventLoop bool

	// SecretKey, when set, is the key that seals config vars (BERA_SECRET_KEY); else
	// DATA/secret.key, made on first start.
	SecretKey string
	// AdminEmail and AdminPassword make the first admin on an empty store
	// (BERA_ADMIN_EMAIL, BERA_ADMIN_PASSWORD; both optional).
	AdminEmail    string
	AdminPassword string
	// Stdout receives the first admin's API key, printed once. Default io.Discard.
	Stdout io.Writer
	// Executable is the bera binary that git hooks and the router hand-over run. Default:
	// this process's executable.
	Executable string
	// Logger is the server's log. Default: text on stderr at LogLevel.
	Logger *slog.Logger
}

// FormationLimits are the formation limits the config gives.
func (c *Config) FormationLimits() bera.FormationLimits {
	return bera.FormationLimits{MaxPerApp: c.MaxDynosPerApp, MaxPerAccount: c.MaxDynosPerAccount, Sizes: c.DynoSizes}
}
