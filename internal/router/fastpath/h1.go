package fastpath

import (
	"bytes"
	"errors"
	"strconv"
)

// Byte-level HTTP/1.1 head parsing for the fast path. The request parser is
// strict on purpose: it accepts only the plain shape nearly every client sends, and anything
// else is handed whole to net/http (the slow path), which then decides with its own rules.
// So a request never means one thing here and another thing to the standard library.

// field is one header line: name and value are slices of the head being parsed.
type field struct{ name, value []byte }

// reqHead is what the front end needs from a request head. Slices point into the head.
type reqHead struct {
	method, target []byte
	host           []byte
	requestID      []byte // the client's X-Request-Id, if any
	close          bool   // Connection: close
	fields         []field
}

// Header names the front end treats specially, lower case.
const (
	hConnection = "connection"
	hHost       = "host"
)

// hopByHop are the header fields that belong to one connection (RFC 9110 §7.6.1, plus the
// legacy ones http.ReverseProxy also drops). They are never forwarded.
var hopByHop = []string{"connection", "proxy-connection", "keep-alive", "proxy-authenticate",
	"proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}

// untrusted are request header fields the router sets itself from the connection, so a
// client's values are dropped.
var untrusted = []string{"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
	"forwarded", "x-request-id", "x-request-start"}

// slowOnly are request header fields that send a request to the slow path: bodies, upgrades
// and expectations are net/http's business.
var slowOnly = []string{"transfer-encoding", "upgrade", "expect"}

// parseRequestHead parses head (a request line and header lines, each ending in CRLF, and the
// empty line) into h, reusing h.fields. It reports false for anything the fast path leaves to
// net/http: other versions than HTTP/1.1, targets not starting with "/", bodies, upgrades,
// unusual Connection options, and any syntax that is not plainly valid.
func parseRequestHead(head []byte, h *reqHead) bool {
	*h = reqHead{fields: h.fields[:0]}
	line, rest, ok := cutLine(head)
	if !ok {
		return false
	}
	var version []byte
	h.method, line, _ = bytes.Cut(line, []byte{' '})
	h.target, version, _ = bytes.Cut(line, []byte{' '})
	if !isToken(h.method) || len(h.target) == 0 || h.target[0] != '/' || !isTarget(h.target) ||
		string(version) != "HTTP/1.1" {
		return false
	}
	hosts := 0
	for len(rest) > 2 {
		if line, rest, ok = cutLine(rest); !ok {
			return false
		}
		f, ok := parseField(line)
		if !ok {
			return false
		}
		switch {
		case equalLower(f.name, hHost):
			h.host = f.value
			hosts++
		case equalLower(f.name, "content-length"):
			if string(f.value) != "0" {
				return false
			}
		case equalLower(f.name, hConnection):
			if !connectionOptions(f.value, &h.close) {
				return false
			}
		case equalLower(f.name, "x-request-id"):
			h.requestID = f.value
		case oneOf(f.name, slowOnly):
			return false
		}
		h.fields = append(h.fields, f)
	}
	return hosts == 1 && string(rest) == "\r\n"
}

// connectionOptions reads a request's Connection header value: only "close" and
// "keep-alive" are understood; any other option (which would name more hop-by-hop fields,
// or ask for an upgrade) returns false.
func connectionOptions(v []byte, close *bool) bool {
	for opt := range bytes.SplitSeq(v, []byte{','}) {
		opt = bytes.TrimSpace(opt)
		switch {
		case equalLower(opt, "close"):
			*close = true
		case equalLower(opt, "keep-alive"), len(opt) == 0:
		default:
			return false
		}
	}
	return true
}

// cutLine splits b at its first CRLF. A bare CR or LF before it makes the line invalid.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	return b[:i-1], b[i+1:], true
}

// parseField splits a header line into a token name and a value without surrounding
// whitespace. Values may hold any byte but controls (except tab).
func parseField(line []byte) (field, bool) {
	name, value, ok := bytes.Cut(line, []byte{':'})
	if !ok || !isToken(name) {
		return field{}, false
	}
	value = bytes.Trim(value, " \t")
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return field{}, false
		}
	}
	return field{name: name, value: value}, true
}

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tchar[c] {
			return false
		}
	}
	return true
}

// tchar marks the bytes allowed in a token.
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isTarget reports whether b holds only visible ASCII, as an origin-form target must.
func isTarget(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// equalLower reports whether b equals the lower-case ASCII string s, ignoring b's case.
func equalLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// oneOf reports whether name equals one of the lower-case names, ignoring case.
func oneOf(name []byte, names []string) bool {
	for _, s := range names {
		if equalLower(name, s) {
			return true
		}
	}
	return false
}

// AppendNormalizedHost appends the router's table key for a Host header value (what
// router.NormalizeHost returns) to dst. It reports false when the value is not a plain name
// with an optional numeric port; the slow path then decides.
func AppendNormalizedHost(dst, host []byte) ([]byte, bool) {
	if i := bytes.LastIndexByte(host, ':'); i >= 0 {
		port := host[i+1:]
		if len(port) == 0 || len(port) > 5 {
			return dst, false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return dst, false
			}
		}
		host = host[:i]
	}
	host = bytes.TrimSuffix(host, []byte{'.'})
	if len(host) == 0 {
		return dst, false
	}
	for _, c := range host {
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
		default:
			return dst, false
		}
		dst = append(dst, c)
	}
	return dst, true
}

// Response heads come from dynos, which are sometimes hand-written servers: lines may end in
// LF alone. They are re-emitted with CRLF.

// errBadResponse is returned for a dyno's response the router cannot relay.
var errBadResponse = errors.New("malformed response from dyno")

// framing is how a response body is delimited.
type framing int

const (
	bodyNone    framing = iota // HEAD, 1xx, 204, 304
	bodyLength                 // Content-Length
	bodyChunked                // Transfer-Encoding: chunked
	bodyClose                  // until the dyno closes the connection
)

// resHead is what the front end needs from a response head.
type resHead struct {
	status  int
	reason  []byte // the status line after the code, without the space
	length  int64
	framing framing
	close   bool // the dyno will close the connection
	date    bool // the dyno sent a Date field
	fields  []field
}

// headEnd returns the length of the head at the start of b (through its empty line), or -1
// if b does not hold a whole head yet. Lines may end in CRLF or LF.
func headEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// parseResponseHead parses a whole response head (see headEnd) into h, reusing h.fields,
// for a request whose method was head (a HEAD request) or not.
func parseResponseHead(b []byte, head bool, h *resHead) error {
	*h = resHead{fields: h.fields[:0], length: -1}
	line, rest := cutLooseLine(b)
	version, status, _ := bytes.Cut(line, []byte{' '})
	code, reason, _ := bytes.Cut(status, []byte{' '})
	if len(version) != 8 || string(version[:7]) != "HTTP/1." || len(code) != 3 {
		return errBadResponse
	}
	n, err := strconv.Atoi(string(code))
	if err != nil || n < 100 {
		return errBadResponse
	}
	h.status, h.reason = n, reason
	h.close = version[7] == '0'
	chunked := false
	for {
		line, rest = cutLooseLine(rest)
		if len(line) == 0 {
			break
		}
		f, ok := parseField(line)
		if !ok {
			return errBadResponse
		}
		switch {
		case equalLower(f.name, "content-length"):
			v, err := strconv.ParseInt(string(f.value), 10, 64)
			if err != nil || v < 0 || h.length >= 0 && h.length != v {
				return errBadResponse
			}
			h.length = v
		case equalLower(f.name, "transfer-encoding"):
			if !equalLower(f.value, "chunked") || chunked {
				return errBadResponse
			}
			chunked = true
		case equalLower(f.name, hConnection):
			for opt := range bytes.SplitSeq(f.value, []byte{','}) {
				h.close = h.close || equalLower(bytes.TrimSpace(opt), "close")
			}
		case equalLower(f.name, "date"):
			h.date = true
		}
		h.fields = append(h.fields, f)
	}
	switch {
	case head || n < 200 || n == 204 || n == 304:
		h.framing = bodyNone
	case chunked:
		h.framing, h.length = bodyChunked, -1
	case h.length >= 0:
		h.framing = bodyLength
	default:
		h.framing, h.close = bodyClose, true
	}
	return nil
}

// cutLooseLine splits b at its first LF, dropping a CR before it.
func cutLooseLine(b []byte) (line, rest []byte) {
	line, rest, _ = bytes.Cut(b, []byte{'\n'})
	return bytes.TrimSuffix(line, []byte{'\r'}), rest
}

// connectionNames returns the field names a Connection header lists besides close and
// keep-alive: they are hop-by-hop too.
func connectionNames(fields []field, dst [][]byte) [][]byte {
	for _, f := range fields {
		if !equalLower(f.name, hConnection) {
			continue
		}
		for opt := range bytes.SplitSeq(f.value, []byte{','}) {
			opt = bytes.TrimSpace(opt)
			if len(opt) > 0 && !equalLower(opt, "close") && !equalLower(opt, "keep-alive") {
				dst = append(dst, opt)
			}
		}
	}
	return dst
}

// parseChunkSize parses a chunk-size line (hex digits, then optional extensions).
func parseChunkSize(line []byte) (int64, error) {
	line, _, _ = bytes.Cut(line, []byte{';'})
	line = bytes.TrimRight(line, " \t")
	if len(line) == 0 || len(line) > 15 {
		return 0, errBadResponse
	}
	var n int64
	for _, c := range line {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | int64(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, errBadResponse
		}
	}
	return n, nil
}
