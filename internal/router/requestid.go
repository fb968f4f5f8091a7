package router

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
)

// requestID returns the client's X-Request-Id when it is valid (20 to 200 characters of
// [A-Za-z0-9+=/-], Heroku's rule), and a new random UUID otherwise.
func requestID(given string) string {
	if validRequestID(given) {
		return given
	}
	return newUUID()
}

// validRequestID reports whether a client-supplied request id may be kept.
func validRequestID(s string) bool {
	if len(s) < 20 || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '+' || c == '=' || c == '/' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// newUUID returns a random (version 4) UUID in its canonical form.
func newUUID() string {
	var b [36]byte
	return string(appendUUID(b[:0]))
}

// appendUUID appends a random (version 4) UUID in its canonical form to dst. The bits come
// from the runtime's ChaCha8 generator (math/rand/v2), which costs no system call: request
// ids are correlation ids, shown to clients and dynos, not secrets.
func appendUUID(dst []byte) []byte {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return append(dst, b[:]...)
}
