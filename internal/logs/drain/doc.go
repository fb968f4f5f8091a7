// Package drain delivers an app's log lines to outside log services the way Heroku's
// Logplex does: syslog over TCP or TLS (syslog://, syslog+tls://) and HTTPS or HTTP
// (application/logplex-1 batches), both framed as octet-counted RFC 5424 messages.
//
// A Drain is a logs.Sink: the log buffer hands it lines without waiting, into a bounded
// queue; Run delivers them with retries, backoff and reconnects. When the queue overflows
// the oldest lines are dropped and counted, and an L10 line reports it in the app's log.
package drain
