package logs

import "strings"

// Filter selects lines of a log session. Empty fields match everything.
type Filter struct {
	// Source is an exact source: "app" or "heroku".
	Source string
	// Dyno is an exact dyno name ("web.1", "router", "api") or a bare process type ("web"),
	// which matches every dyno of that type ("web.1", "web.2", …).
	Dyno string
}

// Match reports whether l passes the filter.
func (f Filter) Match(l Line) bool {
	return f.match(l.Source, l.Dyno)
}

func (f Filter) match(source, dyno string) bool {
	if f.Source != "" && f.Source != source {
		return false
	}
	if f.Dyno == "" || f.Dyno == dyno {
		return true
	}
	typ, _, numbered := strings.Cut(dyno, ".")
	return numbered && !strings.Contains(f.Dyno, ".") && typ == f.Dyno
}
