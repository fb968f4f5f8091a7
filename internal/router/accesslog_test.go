package router_test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/router"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestEntry_Line(t *testing.T) {
	base := router.Entry{
		AppID: "a1", Method: "GET", Path: "/", Host: "myapp.example.com",
		RequestID: "0b8a5a4e-7a51-4d5e-9c61-2a4c1a4d7f00", Fwd: "203.0.113.7", Dyno: "web.2",
		Connect: 1500 * time.Microsecond, Service: 4 * time.Millisecond, Status: 200, Bytes: 1234,
		Protocol: "http",
	}
	cases := []func(e *router.Entry){
		func(e *router.Entry) {},
		func(e *router.Entry) {
			e.Code, e.Status, e.Service, e.Bytes, e.Protocol = router.H12, 503, 30*time.Second, 0, "https"
		},
		func(e *router.Entry) { e.Code, e.Status, e.Dyno, e.Bytes = router.H14, 503, "", 0 },
		func(e *router.Entry) { e.Code, e.Status, e.Bytes = router.H27, 499, 0 },
		func(e *router.Entry) { e.Method, e.Path = "POST", `/a b"c\d`+"\n" },
	}
	var got strings.Builder
	for _, c := range cases {
		e := base
		c(&e)
		got.WriteString(e.Line() + "\n")
	}
	golden := filepath.Join("testdata", "line.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("lines:\n%s\nwant (%s):\n%s", got.String(), golden, want)
	}
}

func TestProxy_RouterLineAndMetrics(t *testing.T) {
	e := MustRouter(t, router.Config{}, route(MustBackend(t, echoHeaders)))
	res := e.get(t, "myapp.example.com", "/p?q=1", nil)
	n := drainBody(res)
	line := e.sink.next(t)
	re := regexp.MustCompile(`^a1 at=info method=GET path="/p\?q=1" host=myapp\.example\.com request_id=[0-9a-f-]{36} fwd="127\.0\.0\.1" dyno=web\.1 connect=\d+ms service=\d+ms status=200 bytes=\d+ protocol=http$`)
	if n != 200 || !re.MatchString(line) {
		t.Errorf("status=%d line=%q, want it to match %s", n, line, re)
	}
	e.sink.mu.Lock()
	defer e.sink.mu.Unlock()
	if len(e.sink.entries) != 1 || e.sink.entries[0].Status != 200 || e.sink.entries[0].AppID != "a1" {
		t.Errorf("metrics entries=%+v, want one 200 for a1", e.sink.entries)
	}
}

// FuzzEntryLine checks that no client-controlled field can add, split or hide a field of
// the router line: it always has the same fields, and no control byte or newline.
func FuzzEntryLine(f *testing.F) {
	f.Add("GET", "/", "myapp.example.com", "203.0.113.7")
	f.Add("POST", `/a b"c\d`+"\n", "x y", "\x7f\x00%")
	f.Fuzz(func(t *testing.T, method, path, host, fwd string) {
		e := router.Entry{Method: method, Path: path, Host: host, RequestID: "id", Fwd: fwd, Dyno: "web.1", Status: 200, Protocol: "http"}
		line := e.Line()
		if n := len(strings.Fields(line)); n != 12 {
			t.Errorf("line %q has %d fields, want 12", line, n)
		}
		if strings.IndexFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			t.Errorf("line %q holds a control byte", line)
		}
		for _, q := range []string{` path="`, ` fwd="`} {
			_, rest, _ := strings.Cut(line, q)
			if value, _, ok := strings.Cut(rest, `"`); !ok || strings.ContainsAny(value, "\" \\") {
				t.Errorf("line %q: %s field %q not closed or holds a quote, space or backslash", line, q, value)
			}
		}
	})
}

func BenchmarkEntry_Line(b *testing.B) {
	e := router.Entry{
		AppID: "a1", Method: "GET", Path: "/assets/app.css?v=3", Host: "myapp.example.com",
		RequestID: "0b8a5a4e-7a51-4d5e-9c61-2a4c1a4d7f00", Fwd: "203.0.113.7", Dyno: "web.2",
		Connect: 1500 * time.Microsecond, Service: 4 * time.Millisecond, Status: 200, Bytes: 1234,
		Protocol: "http",
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Line()
	}
}
