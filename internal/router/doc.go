// Package router is Bera's HTTP routing mesh: it maps a request's Host to an app's route,
// balances it over the app's up web dynos, answers with Heroku's H-code error pages when it
// cannot, and reports one Heroku-format router log line and one metrics observation per
// request.
//
// The host table is an immutable snapshot swapped behind an atomic pointer, so request
// lookups take no lock. One Syncer (sync.go) owns it: it lists the apps once, then applies
// the changes reported to it (an app's dynos from the reconciler's memory, an app's names
// and domains from the store), with a slow full resync as a safety net. The reconciler
// drains a backend's in-flight requests with Drain before it stops the dyno.
//
// Two servers share one Router:
//
//   - Frontend (frontend.go) serves plain HTTP/1.1. Its fast path, package fastpath, relays
//     bodyless requests to known apps byte for byte, over its own keep-alive connections to
//     dynos, on the connection's goroutine: no request objects, no per-request allocation
//     without a log sink. Anything else is handed, with its connection, to a net/http server
//     for the same Router. Config.DisableFastPath (bera server --router-fast-path=false)
//     turns the fast path off; Config.EventLoop (bera server --router-event-loop, on by
//     default) serves its keep-alive connections from an event loop for every two CPUs
//     instead of a goroutine each.
//   - The net/http path (ServeHTTP, proxy.go) is one httputil.ReverseProxy over an
//     http.Transport. It serves HTTPS and HTTP/2 (see NewServer, with a TLSConfig), request
//     bodies, WebSocket upgrades, error pages and whatever the fast path turns down.
//
// The fast path sees the Router through fastpath.Routes (fastroutes.go). Both paths
// forward the same headers and emit the same codes and log lines: TestContract runs the
// proxy contract tests against both (and the fast path with its event loops), and
// FuzzFrontend and FuzzFrontendEventLoop check that a dyno only ever sees
// requests net/http reads from the same bytes.
package router
