package logs_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kingvon-ke/bera/internal/logs"
)

func TestLine_String(t *testing.T) {
	at := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	tests := []struct {
		line logs.Line
		want string
	}{
		{logs.Line{Time: at, Source: "app", Dyno: "web.1", Message: "listening on 5000"}, "2026-01-01T00:00:00.123456+00:00 app[web.1]: listening on 5000"},
		{logs.Line{Time: at, Source: "heroku", Dyno: "router", Message: "at=info"}, "2026-01-01T00:00:00.123456+00:00 heroku[router]: at=info"},
		{logs.Line{Time: at.In(time.FixedZone("x", 3600)), Source: "app", Dyno: "api", Message: ""}, "2026-01-01T00:00:00.123456+00:00 app[api]: "},
	}
	for _, tt := range tests {
		if got := tt.line.String(); got != tt.want {
			t.Errorf("String()=%q, want %q", got, tt.want)
		}
	}
}

func TestSplitMessage(t *testing.T) {
	long := strings.Repeat("a", logs.MaxMessage) + "bc"
	multi := strings.Repeat("a", logs.MaxMessage-1) + "é" + "z"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"Plain", "hello", []string{"hello"}},
		{"Empty", "", []string{""}},
		{"Newlines", "a\nb\r\nc\n", []string{"a", "b", "c"}},
		{"BlankMiddle", "a\n\nb", []string{"a", "", "b"}},
		{"Long", long, []string{strings.Repeat("a", logs.MaxMessage), "bc"}},
		{"UTF8Boundary", multi, []string{strings.Repeat("a", logs.MaxMessage-1), "éz"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := logs.SplitMessage(tt.in)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("SplitMessage=%q, want %q", got, tt.want)
			}
			for _, m := range got {
				if len(m) > logs.MaxMessage || !utf8.ValidString(m) {
					t.Errorf("piece of %d bytes (valid=%v)", len(m), utf8.ValidString(m))
				}
			}
		})
	}
}

func TestFilter_Match(t *testing.T) {
	tests := []struct {
		f      logs.Filter
		source string
		dyno   string
		want   bool
	}{
		{logs.Filter{}, "app", "web.1", true},
		{logs.Filter{Source: "app"}, "app", "web.1", true},
		{logs.Filter{Source: "app"}, "heroku", "router", false},
		{logs.Filter{Dyno: "web"}, "app", "web.1", true},
		{logs.Filter{Dyno: "web"}, "app", "web.12", true},
		{logs.Filter{Dyno: "web"}, "app", "worker.1", false},
		{logs.Filter{Dyno: "web"}, "app", "webby.1", false},
		{logs.Filter{Dyno: "web.1"}, "app", "web.1", true},
		{logs.Filter{Dyno: "web.1"}, "app", "web.12", false},
		{logs.Filter{Dyno: "router"}, "heroku", "router", true},
		{logs.Filter{Dyno: "api"}, "app", "api", true},
		{logs.Filter{Dyno: "run"}, "app", "run.4242", true},
		{logs.Filter{Source: "heroku", Dyno: "web"}, "app", "web.1", false},
		{logs.Filter{Source: "heroku", Dyno: "web"}, "heroku", "web.1", true},
	}
	for _, tt := range tests {
		l := logs.Line{Source: tt.source, Dyno: tt.dyno}
		if got := tt.f.Match(l); got != tt.want {
			t.Errorf("%+v.Match(%s[%s])=%v, want %v", tt.f, tt.source, tt.dyno, got, tt.want)
		}
	}
}
