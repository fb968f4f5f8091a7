// Package fastpath is the router's byte-level HTTP/1.1 path. A Server serves the requests
// nearly all plain-HTTP traffic is made of (GETs and other bodyless requests to a known app
// with up dynos) without net/http: it parses the request head in place (h1.go), writes it
// with the router's headers to a pooled keep-alive connection to a dyno (pool.go, dyno.go, send_unix.go)
// and relays the response as it arrives (relay.go), all on the client connection's
// goroutine. Whatever it does not serve (bodies, upgrades, HTTP/1.0, unusual syntax, error
// pages for unknown hosts, maintenance or missing dynos) it hands, with its connection and
// the bytes already read, to a net/http server, which keeps the connection from then on.
//
// With Config.EventLoop (bera server --router-event-loop, on by default), keep-alive
// connections are not given a goroutine each while they wait: an event loop for every two
// CPUs (loop_linux.go) reads their requests, sends them over its own dyno connections and writes
// the answers back, nginx's way, with no goroutine parked or woken per request; whatever a
// loop does not serve itself goes on on a goroutine with the code above, and comes back to
// the loop when the connection waits again. TestContract/EventLoop holds it to the contract
// below.
//
// It knows the router only through Routes: route lookup, picking a dyno, the H-code pages
// and the per-request report. router.Frontend wires the two together;
// router.Config.DisableFastPath (bera server --router-fast-path=false) leaves it out, and
// every request then takes the net/http path.
//
// # The contract
//
// Both paths must forward the same request headers (X-Forwarded-*, X-Request-Id,
// X-Request-Start, Via; hop-by-hop ones dropped), relay the same response framing, answer
// with the same H-codes and pages, and emit the same router log line and metrics. In
// internal/router, TestContract runs these tests against a Frontend with the fast path
// (TestContract/FastPath) and without it (TestContract/NetHTTP):
//
//   - TestProxy_ForwardedHeaders, TestProxy_RequestID, TestProxy_HopByHop: request headers.
//   - TestProxy_Framing, TestProxy_StreamingFlush, TestProxy_EarlyHintsPassedOn,
//     TestProxy_DateAddedWhenMissing, TestProxy_WebSocketUpgrade: responses as relayed.
//   - TestProxy_RouterLineAndMetrics: the log line and the metrics observation.
//   - TestErrors_Route, TestErrors_UnknownHost, TestErrors_H13ClosedWithoutResponse,
//     TestErrors_H12Timeout, TestErrors_H15Idle, TestErrors_H21AllRefused,
//     TestErrors_BodyTooLarge, TestErrors_H27ClientGone: H-codes, statuses and pages.
//   - TestBalance_EvenOverThree, TestBalance_RetryOnClosedPort: balancing and retries.
//   - TestFrontend_HeadTimeout, TestFrontend_SameRequestsAsNetHTTP, TestFrontend_Pipelined,
//     TestFrontend_HeaderSizes: reading requests off the client connection.
//
// FuzzFrontend (internal/router) sends arbitrary bytes through a live Frontend and checks
// that the dyno only ever sees what net/http reads from the same bytes; FuzzParseRequestHead
// and FuzzParseResponseHead (here) hold the parsers to net/http's, and FuzzNormalizeHost
// (internal/router) holds AppendNormalizedHost to router.NormalizeHost. The TestFrontend_*
// tests not listed above (shutdown, diverting, pooled buffers) are the fast path's own.
package fastpath
