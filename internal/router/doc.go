// Package router is Bera's HTTP routing mesh: it maps a request's Host to an app's route,
// balances it over the app's up web dynos through one httputil.ReverseProxy, answers with
// Heroku's H-code error pages when it cannot, and reports one Heroku-format router log line
// and one metrics observation per request.
//
// The host table is an immutable snapshot swapped behind an atomic pointer, so request
// lookups take no lock. The dyno reconciler feeds it, either whole (SetTable) or
// incrementally (Upsert, Remove, AddBackend, RemoveBackend), and drains a backend's
// in-flight requests with Drain before it stops the dyno.
//
// Requests without a body or upgrade (most GETs) go over the router's own keep-alive
// connections to dynos (pool.go), read and written on the handler's goroutine; the others go
// through an http.Transport. Both use the standard library's HTTP/1.1 framing.
//
// The router does no TLS itself: put an *http.Server with a TLSConfig in front of the same
// *Router (see NewServer); the router reads r.TLS to report protocol=https.
package router
