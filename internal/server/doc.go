// Package server is a whole Bera server as one value: New builds every part in the order
// of their dependencies and binds every listener, Run runs the parts until its context
// ends and shuts them down in order, Close releases what New opened. cmd/bera parses the
// flags into a Config and calls these three; tests run the same server in process on
// 127.0.0.1:0 (Addr, RouterAddr).
//
// # Architecture
//
// The parts, each in its own package, and the state each owns:
//
//   - store (internal/store): desired state on SQLite or PostgreSQL: apps, releases,
//     formation, config (sealed with DATA/secret.key), builds, users and keys, domains,
//     drains. Everything else can be rebuilt from it after a restart.
//   - runtime (internal/runtime/process, runc): the dyno processes or containers. runc dynos
//     outlive the server and are adopted by the next; process dynos stop with it.
//   - reconciler (internal/dyno): the dynos it started or adopted, with their state (up,
//     starting, crashed); it converges them to the store's formation and current release.
//   - router (internal/router): the host table, an immutable snapshot owned by the
//     router.Syncer, which applies each app's dyno changes (from the reconciler) and name,
//     maintenance or domain changes (from the API) and resyncs from the store every 30 s;
//     and the connections in flight to each dyno, which Drain waits for.
//   - certs (internal/certs): apps' certificates (manual by SNI, ACME) for the HTTPS router,
//     the ACME challenges and the http-to-https redirects.
//   - logs (internal/logs): each app's log buffer (or a Redis stream), sessions and drains.
//   - events (internal/events): the in-memory bus behind /ws; log lines, dyno states,
//     releases and build output are published on it.
//   - metrics (internal/metrics): router traffic, dyno usage (the runtime reports it),
//     restarts; the memory policy (R14/R15) acts on the usage.
//   - api (internal/api), gitserver, source, deploy, oneoff: the API listener's handlers;
//     they hold no state beyond requests in flight, one-off dynos (oneoff) and pushes.
//
// Dependencies run one way: the reconciler is built on the store, the runtime and the
// router's Drain; the route table (router.Syncer) and the metrics sampler read the
// reconciler and follow its changes (dynoChanges), so they are built after it; the API is
// built last, on all of them, and reports route changes to the Syncer and certs.
//
// # The path of a deploy
//
// git push reaches gitserver on the API listener (receive-pack into DATA/repos). Its
// pre-receive hook (`bera git-hook`, gitserver.RunHook) calls the server back; the pushed
// tree goes to deploy, which builds it (internal/build, in the runc sandbox when dynos are
// isolated) and stores the slug (DATA/slugs); the release service (internal/release) writes
// release vN with its process types in one transaction and asks the reconciler to converge. The reconciler starts the new release's dynos in the runtime, waits for web
// dynos to accept on $PORT, tells the Syncer (which switches the router's table) and stops the
// old dynos after draining them. Build output streams back to git and onto /ws. Git URL and
// tarball deploys (source) enter at deploy.
//
// # The path of a request
//
// A request to http://APP.DOMAIN reaches the router's listener (taken over from the previous
// server's `bera router-hold` when it restarted), which finds the app by Host in its table,
// picks one of its up web dynos and proxies to the dyno's address; the router's log line goes
// to the app's logs and the timing to metrics. An API request reaches the --listen port
// (HTTP or TLS on one port), is authenticated by its key, and is answered from the store, the
// reconciler's dynos and the one-off dynos.
package server
