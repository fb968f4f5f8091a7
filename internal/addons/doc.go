// Package addons is the contract every add-on service implements: a Provider provisions
// instances of a service (a PostgreSQL database, a Redis), hands out their credentials,
// rotates them, reports figures for pg:info and redis:info, and destroys them. The
// implementations live in subpackages (postgres, redis) and run their instances through
// supervisor; addonstest is the one conformance suite they all pass; Registry maps
// "service:plan" names to providers.
//
// # Wiring
//
//	// Instances bind Host and DynoHost (runtime.HostAddress: runc's gateway); URLs name
//	// DynoHost. An instance made before DynoHost was set is restarted once to bind it.
//	ports := &addons.Ports{Host: "127.0.0.1", DynoHost: dynoHost} // shared by the providers
//	pg, err := postgres.New(postgres.Config{Root: DATA + "/addons", Ports: ports, Box: box,
//		CA: ca, SharedURL: addonPostgresURL, Logger: log})
//	rd, err := redis.New(redis.Config{Root: DATA + "/addons", Ports: ports, Box: box, CA: ca, Logger: log})
//	reg, err := addons.NewRegistry(pg, rd)
//	defer reg.Close() // leaves the instances running
//
// # On disk
//
// Each instance has DATA/addons/<id>/ (0700, owned by the instance's uid) with a
// state.json whose passwords are sealed by the Box. A Redis keeps redis.conf (passwords
// only as SHA-256 ACL hashes), appendonlydir/, dump.rdb, redis.pid and redis.log there; a
// PostgreSQL keeps data/ (its PGDATA: bera.conf, pg_hba.conf, server.crt/key) and
// postgres.log. Nothing holds a password in clear; PostgreSQL roles get SCRAM verifiers
// computed by Bera, and client programs get passwords through their environment.
//
// # Users
//
// As root, an instance runs as a uid of its own (InstanceOwner: 200000..259999, beside the
// dynos' range), so every directory above the root must be searchable by others (o+x):
// Dirs.Check refuses to start otherwise. Not as root, instances run as the server's user.
//
// # What survives what
//
// Instances run in their own session with their output in a file: they outlive the
// server. Provider.Close leaves them running, and New adopts the running ones (their pid
// file, checked against /proc's exe and cwd) and starts the stopped ones (after a
// reboot). A crashed instance is restarted with backoff. Only Deprovision stops an
// instance and removes its data. PostgreSQL keeps fsync and synchronous_commit on: no
// committed transaction is lost to any crash. Redis has its AOF on with appendfsync
// everysec: it writes each change to the file before replying, so a crash of
// the server or of redis-server loses nothing acknowledged, while a power cut may lose the
// last second (or two, when a slow disk makes Redis postpone its writes).
//
// # Provisioning and the network
//
// Provision returns once the instance takes its default credential (about 0.1 s for
// Redis, 2 s for a dedicated PostgreSQL): the API runs it in the background and shows
// "provisioning" meanwhile. Instance.Addr is the host:port an instance listens on; the
// network rules that keep other tenants' dynos away from it are the caller's, built from
// that address.
package addons
