package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/server"
)

// serverFlags adds `bera server`'s flags, which fill c. Every flag also reads BERA_<FLAG>
// (upper case, dashes as underscores); a flag on the command line wins.
func serverFlags(fs *flag.FlagSet, c *server.Config) {
	fs.StringVar(&c.Data, "data", "./.bera", "data directory (database, keys, slugs)")
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:3000", "address of the API, git and dashboard (HTTP and TLS on one port)")
	fs.StringVar(&c.RouterListen, "router-listen", "127.0.0.1:8080", "address of the HTTP router for apps")
	fs.StringVar(&c.RouterTLSListen, "router-tls-listen", "", "address of the HTTPS router for apps (off when empty)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", "", "address serving Prometheus /metrics without an API key, e.g. 127.0.0.1:9300 (off when empty; /metrics on --listen takes an admin's key)")
	fs.StringVar(&c.RendezvousListen, "rendezvous-listen", "127.0.0.1:0", "TLS address where `heroku run` attaches to one-off dynos (port 0: a free port, announced in attach_url)")
	fs.StringVar(&c.Domain, "domain", "localhost", "base domain: apps answer at APP.DOMAIN")
	fs.StringVar(&c.Runtime, "runtime", "auto", "dyno runtime: auto, runc or process")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL for metadata (default: SQLite in the data dir)")
	fs.StringVar(&c.RedisURL, "redis-url", "", "Redis URL for logs and events shared between servers")
	fs.StringVar(&c.AddonPostgresURL, "addon-postgres-url", "", "PostgreSQL server (a role that may create roles and databases) where heroku-postgresql:shared add-ons get a database each (off when empty)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "certificate (PEM) for TLS on --listen (default: one signed by DATA/ca.pem)")
	fs.StringVar(&c.TLSKey, "tls-key", "", "key (PEM) for --tls-cert")
	fs.IntVar(&c.APIRateLimit, "api-rate-limit", 4500, "API requests an account may burst (refilled at 75/min, as Heroku); 0 disables the limit")
	fs.BoolVar(&c.AllowLocalBuildpacks, "allow-local-buildpacks", false, "let apps use buildpacks from paths or file:// URLs on this server (they can read its files)")
	fs.StringVar(&c.Registry, "registry", "", "OCI registry (host[:port][/prefix]) every Cloud Native Buildpacks image is pushed to as APP:vN after its release (off when empty)")
	fs.BoolVar(&c.RegistryInsecure, "registry-insecure", false, "reach --registry over plain HTTP (a registry on loopback)")
	fs.BoolVar(&c.AllowPrivateDrains, "allow-private-drains", false, "let log drains point at loopback and private addresses")
	fs.BoolVar(&c.AllowPrivateSources, "allow-private-sources", false, "let Git URL and tarball deploys fetch from loopback and private addresses")
	fs.StringVar(&c.RuncBridge, "runc-bridge", "bera0", "bridge the runc dynos attach to")
	fs.StringVar(&c.RuncSubnet, "runc-subnet", "10.88.0.0/16", "subnet of the runc bridge (the bridge takes the first address)")
	fs.StringVar(&c.MachineCache, "machine-cache", "", "shared, read-only-to-apps Go build cache warmed once per machine (default DATA/cache/machine; \"off\" disables it); servers may share one")
	fs.Var((*byteSize)(&c.BuildMemory), "build-memory", "memory limit of each build step in the runc sandbox, e.g. 2G or 512M")
	fs.StringVar(&c.ACMECA, "acme-ca", "", "ACME directory URL for automatic certificates of custom domains (off when empty)")
	fs.StringVar(&c.ACMECARoot, "acme-ca-root", "", "PEM file of roots to trust for --acme-ca (default: the system's)")
	fs.StringVar(&c.ACMEEmail, "acme-email", "", "contact email of the ACME account")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.PublicURL, "public-url", "", "base URL clients and GitHub reach the API at, for webhook and build output URLs (default http://LISTEN)")
	fs.StringVar(&c.SourceSchemes, "source-schemes", "https,http,git", "URL schemes allowed for Git URL and tarball deploys (file and ssh never are)")
	fs.IntVar(&c.MaxDynosPerApp, "max-dynos-per-app", bera.DefaultMaxDynosPerApp, "most dynos one app may run, all process types together")
	fs.IntVar(&c.MaxDynosPerAccount, "max-dynos-per-account", 0, "most dynos the apps an account owns may run together (0: no cap)")
	fs.Var((*dynoSizes)(&c.DynoSizes), "dyno-sizes", "dyno sizes apps may use, comma-separated, e.g. eco,standard-1X,standard-2X (default all; must include standard-1X)")
	fs.BoolVar(&c.RouterFastPath, "router-fast-path", true, "serve bodyless HTTP/1.1 requests on --router-listen with the router's byte-level fast path (false: every request through net/http, as HTTPS)")
	fs.BoolVar(&c.RouterEventLoop, "router-event-loop", true, "serve the router fast path's keep-alive connections from an event loop for every two CPUs instead of a goroutine each (Linux; false: a goroutine each)")
	fs.DurationVar(&c.RouterHandover, "router-handover", 15*time.Second, "how long the router's socket stays open for the next server after a stop, so a restart refuses no connection (0: close at stop)")
	fs.StringVar(&c.SourceHosts, "source-hosts", "", "hosts allowed for Git URL and tarball deploys, comma-separated, *.domain for subdomains (default any)")
}

// parseServerFlags applies BERA_* env vars as defaults, then the command line.
func parseServerFlags(args []string, stderr io.Writer) (*server.Config, error) {
	c := &server.Config{}
	fs := flag.NewFlagSet("bera server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: bera server [flags]\n\nRuns the whole platform on this machine. Every flag can also be set as BERA_<FLAG>.\n\nFlags:")
		fs.PrintDefaults()
	}
	serverFlags(fs, c)
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "BERA_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := f.Value.Set(v); err != nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return nil, usageError("unexpected argument " + fs.Arg(0) + "; see bera server --help")
	}
	switch c.Runtime {
	case "auto", "runc", "process":
	default:
		return nil, usageError("--runtime must be auto, runc or process")
	}
	if c.MaxDynosPerApp < 1 || c.MaxDynosPerAccount < 0 {
		return nil, usageError("--max-dynos-per-app must be at least 1 and --max-dynos-per-account at least 0")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return nil, usageError("--tls-cert and --tls-key go together")
	}
	if err := absPaths(c); err != nil {
		return nil, err
	}
	return c, nil
}

// absPaths makes the path flags absolute, once, against the working directory at start:
// the parts that use them (runc bundles above all) need absolute paths and must not
// depend on a later working directory.
func absPaths(c *server.Config) error {
	for _, p := range []*string{&c.Data, &c.TLSCert, &c.TLSKey, &c.ACMECARoot} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return fmt.Errorf("resolve %s: %w", *p, err)
		}
		*p = abs
	}
	return nil
}
