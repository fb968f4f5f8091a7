package router

import "github.com/kingvon-ke/bera/internal/router/fastpath"

// requestID returns the client's X-Request-Id when it is valid (20 to 200 characters of
// [A-Za-z0-9+=/-], Heroku's rule, shared with the fast path), and a new random UUID
// otherwise.
func requestID(given string) string {
	if fastpath.ValidRequestID(given) {
		return given
	}
	return newUUID()
}

// newUUID returns a random (version 4) UUID in its canonical form.
func newUUID() string {
	var b [36]byte
	return string(fastpath.AppendUUID(b[:0]))
}
