package fastpath

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseRequestHead checks the fast path's request parser against net/http's: whatever
// it accepts, http.ReadRequest must read the same way (method, target, Host, Connection:
// close, no body), so the fast path never serves a request net/http would see differently.
func FuzzParseRequestHead(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n",
		"GET /x?y HTTP/1.1\r\nHost: A.example.com:80\r\nConnection: keep-alive, close\r\nX-Request-Id: 0123456789abcdefghij\r\n\r\n",
		"HEAD /a HTTP/1.1\r\nhost:a\r\nContent-Length: 0\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n X-Fold: 1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		i := bytes.Index(b, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		head := b[:i+4]
		var h reqHead
		if !parseRequestHead(head, &h) {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("fast path accepts %q, net/http rejects it: %v", head, err)
		}
		if req.Method != string(h.method) || req.RequestURI != string(h.target) || req.Host != string(h.host) {
			t.Errorf("%q: fast path reads %s %s host %q, net/http %s %s host %q",
				head, h.method, h.target, h.host, req.Method, req.RequestURI, req.Host)
		}
		if req.Close != h.close {
			t.Errorf("%q: close=%v, net/http %v", head, h.close, req.Close)
		}
		if req.ContentLength > 0 || len(req.TransferEncoding) > 0 {
			t.Errorf("%q: fast path accepted a request with a body", head)
		}
	})
}

// FuzzParseResponseHead feeds arbitrary dyno responses to the response parser: it must not
// panic, and what it accepts in CRLF form net/http must read with the same status and
// length.
func FuzzParseResponseHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.0 204\nX: y\n\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n",
		"HTTP/1.1 999 X\r\nConnection: close, x-a\r\nX-A: 1\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, isHead bool) {
		n := headEnd(b)
		if n < 0 {
			return
		}
		var h resHead
		if parseResponseHead(b[:n], isHead, &h) != nil {
			return
		}
		connectionNames(h.fields, nil)
		if bytes.Contains(b[:n], []byte("\n\n")) || bytes.Count(b[:n], []byte("\n")) != bytes.Count(b[:n], []byte("\r\n")) {
			return
		}
		method := "GET"
		if isHead {
			method = "HEAD"
		}
		res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b[:n])), &http.Request{Method: method})
		if err != nil {
			if !strings.Contains(err.Error(), "malformed") && !strings.Contains(err.Error(), "invalid") {
				t.Logf("net/http rejects what the router relays: %q: %v", b[:n], err)
			}
			return
		}
		if res.StatusCode != h.status {
			t.Errorf("%q: status %d, net/http %d", b[:n], h.status, res.StatusCode)
		}
		if h.framing == bodyLength && res.ContentLength != h.length {
			t.Errorf("%q: length %d, net/http %d", b[:n], h.length, res.ContentLength)
		}
	})
}

func TestParseChunkSize(t *testing.T) {
	for line, want := range map[string]int64{"0": 0, "a": 10, "FF;name=v": 255, "10 ": 16, "7fffffffffffffff": -1, "": -1, "x": -1, "-1": -1} {
		got, err := parseChunkSize([]byte(line))
		if want < 0 && err == nil || want >= 0 && (err != nil || got != want) {
			t.Errorf("parseChunkSize(%q)=%d, %v; want %d", line, got, err, want)
		}
	}
}
