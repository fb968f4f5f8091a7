// Package spacedns is the embedded DNS resolver of one private space, served on the space's
// gateway address. A space's dynos use it as their only nameserver.
//
// # Names
//
// The names are Heroku's DNS service discovery names, under app.localspace:
//
//	<process>.<app>.app.localspace          A: every up dyno of that process type
//	<dyno>.<process>.<app>.app.localspace   A: one dyno (1.web.myapp.app.localspace is web.1)
//
// Names are case-insensitive; answers carry the question's spelling. Dynos are IPv4 only, so
// AAAA for these names is NOERROR with no records (NODATA), as is any other type, and as are
// the names that only have children (myapp.app.localspace). Any other name under localspace
// is NXDOMAIN. Answers are authoritative, with TTL 0 and the zone's SOA (minimum 0) in
// negative answers: the resolver is one hop away on the space's bridge, so no cache should
// hide a scale or a restart, and the acceptance "scaling shows within a second" holds
// whatever a client's library caches. A multi-dyno answer starts at a different dyno on each
// query, since most clients connect to the first address.
//
// A resolver only knows the table its space's owner gives it with Set, so it answers only
// its own space's names. Every other name is forwarded to the upstream resolvers (the host's
// /etc/resolv.conf nameservers by default): UDP first, TCP when the answer is truncated,
// the upstreams in order within Config.ForwardTimeout, SERVFAIL when none answers.
// localspace itself is never forwarded.
//
// # Design
//
// The table is an immutable map from lower-case name to addresses, built by Set and swapped
// behind an atomic.Pointer: a query takes no lock and sees one whole table, and Set costs a
// map of a few entries per dyno (about 70 µs for 100 dynos), cheap enough for every dyno
// state change. Serving is github.com/miekg/dns's server, UDP and TCP on each Listen
// address; its accept function drops responses and rejects malformed headers before
// ServeDNS sees them, and ServeDNS checks again for any message it is given (FuzzServeDNS).
//
// # Not an amplifier
//
//   - It listens only on Config.Listen (a space's gateway, reachable from the space).
//   - ANY is NOTIMP (RFC 8482), zone transfers and classes other than IN are REFUSED,
//     opcodes other than QUERY are NOTIMP, all with a header-only reply.
//   - UDP replies are truncated to 512 bytes, or to the client's EDNS size up to 1232; a
//     larger answer takes TCP, where a spoofed source gets nothing.
//   - At most Config.MaxForwards forwarded queries are in flight; beyond that a query gets
//     SERVFAIL at once instead of queueing upstream exchanges.
//   - The upstreams exclude the resolver's own addresses, so it never forwards to itself.
package spacedns
