package drain_test

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

func TestAppendFrame(t *testing.T) {
	at := time.Date(2012, 11, 30, 6, 45, 29, 123456789, time.UTC)
	tests := []struct {
		name string
		f    drain.Frame
		want string
	}{
		{"Logplex", drain.FrameOf("d.1234", logs.Line{Time: at, Source: "app", Dyno: "web.3", Message: "State changed from starting to up"}),
			"<190>1 2012-11-30T06:45:29.123456+00:00 d.1234 app web.3 - - State changed from starting to up"},
		{"Router", drain.FrameOf("myapp", logs.Line{Time: at, Source: "heroku", Dyno: "router", Message: "at=info"}),
			"<158>1 2012-11-30T06:45:29.123456+00:00 myapp heroku router - - at=info"},
		{"NilFields", drain.Frame{Priority: 13, Message: "x"}, "<13>1 - - - - - - x"},
		{"Sanitized", drain.Frame{Priority: 300, Host: "a b", App: "é", StructuredData: "[bad", Message: ""}, "<191>1 - a_b __ - - - "},
		{"SD", drain.Frame{Priority: 1, StructuredData: `[a x="]"][b]`, Message: "m"}, `<1>1 - - - - - [a x="]"][b] m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strconv.Itoa(len(tt.want)) + " " + tt.want
			if got := string(drain.AppendFrame(nil, tt.f)); got != want {
				t.Errorf("AppendFrame=%q, want %q", got, want)
			}
		})
	}
}

func TestParseFrame(t *testing.T) {
	good := []string{
		"<190>1 2012-11-30T06:45:29+00:00 host app web.3 - - State changed",
		"<0>1 - - - - - -",
		`<45>1 2026-01-01T00:00:00.5Z h a p m [x@1 k="v\]"] msg with  spaces`,
	}
	for _, s := range good {
		if _, err := drain.ParseFrame([]byte(s)); err != nil {
			t.Errorf("ParseFrame(%q): %v", s, err)
		}
	}
	bad := []string{"", "<190>2 - - - - - - x", "<192>1 - - - - - - x", "<01>1 - - - - - - x", "<1>1 yesterday h a p - - x",
		"<1>1 - h a p - [unclosed", "<1>1 - h a p - [x]y", "<1>1 - h a", "<1>1 -  a p - - x"}
	for _, s := range bad {
		if _, err := drain.ParseFrame([]byte(s)); !errors.Is(err, drain.ErrFrame) {
			t.Errorf("ParseFrame(%q) err=%v, want ErrFrame", s, err)
		}
	}
}

func TestReader(t *testing.T) {
	var b []byte
	for _, m := range []string{"one", "two\nlines", ""} {
		b = drain.AppendFrame(b, drain.Frame{Priority: 190, App: "app", ProcID: "web.1", Message: m})
	}
	r := drain.NewReader(bytes.NewReader(b))
	for _, want := range []string{"one", "two\nlines", ""} {
		f, err := r.Next()
		if err != nil || f.Message != want || f.ProcID != "web.1" {
			t.Fatalf("Next=%+v, %v; want message %q", f, err, want)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("at end: %v, want EOF", err)
	}
	for _, s := range []string{"5 abc", "x abc", "0 ", "99999999 x", "3"} {
		if _, err := drain.NewReader(strings.NewReader(s)).NextRaw(); !errors.Is(err, drain.ErrFrame) {
			t.Errorf("NextRaw(%q) err=%v, want ErrFrame", s, err)
		}
	}
}

// normalize returns what a frame looks like after encoding: fields sanitized and cut, time
// at microseconds in UTC, invalid structured data dropped.
func normalize(f drain.Frame) drain.Frame {
	enc := drain.AppendFrame(nil, f)
	got, err := drain.NewReader(bytes.NewReader(enc)).Next()
	if err != nil {
		panic(err)
	}
	return got
}

func FuzzFrame(f *testing.F) {
	f.Add(190, int64(1354257929123456789), "d.1234", "app", "web.3", "", "", "State changed from starting to up")
	f.Add(0, int64(0), "-", "", "", "-", `[a x="]"]`, "")
	f.Add(45, int64(-1), "a b", "é", "x\ny", "m", "[bad", "multi\nline\r\n")
	f.Fuzz(func(t *testing.T, pri int, nanos int64, host, app, procID, msgID, sd, msg string) {
		in := drain.Frame{Priority: pri, Host: host, App: app, ProcID: procID, MsgID: msgID, StructuredData: sd, Message: msg}
		if nanos > 0 && nanos < 1<<62 {
			in.Time = time.Unix(0, nanos)
		}
		got := normalize(in)
		if got.Message != msg || got.Time.UnixMicro() != in.Time.UnixMicro() && !in.Time.IsZero() {
			t.Fatalf("round trip changed message or time: %+v -> %+v", in, got)
		}
		if again := normalize(got); again != got {
			t.Fatalf("second round trip differs: %+v -> %+v", got, again)
		}
		if host == "d.1234" && got.Host != "d.1234" {
			t.Fatalf("host=%q", got.Host)
		}
	})
}

func FuzzReader(f *testing.F) {
	f.Add([]byte("62 <190>1 2012-11-30T06:45:29+00:00 host app web.3 - - State changed 5 <1>1 "))
	f.Add([]byte(`40 <45>1 - h a p m [x@1 k="v\]"] m  x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := drain.NewReader(bytes.NewReader(data))
		for range 100 {
			fr, err := r.Next()
			if err != nil {
				return
			}
			if fr.Time.Year() < 1 || fr.Time.Year() > 9998 {
				continue
			}
			if again := normalize(fr); again.Message != fr.Message || again.Host != fr.Host || again.StructuredData != fr.StructuredData {
				t.Fatalf("re-encoding %+v gave %+v", fr, again)
			}
		}
	})
}
