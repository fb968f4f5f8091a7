package events

import (
	"strings"

	"github.com/kingvon-ke/bera/internal/logs"
)

// LogTap is a logs.Log that also publishes every written line as a TypeLog event, and the
// reconciler's "State changed from X to Y" lines as TypeDynoState events. Publishing never
// blocks, so the log writer keeps its speed.
type LogTap struct {
	logs.Log
	Bus Bus
}

// Write implements logs.Log: the line goes to the wrapped log, then to the bus.
func (t LogTap) Write(appID, source, dyno, msg string) {
	t.Log.Write(appID, source, dyno, msg)
	if s, ok := t.Bus.(interface{ Subscribed(string) bool }); ok && !s.Subscribed(appID) {
		return
	}
	t.Bus.Publish(Event{Type: TypeLog, AppID: appID, Data: map[string]any{"source": source, "dyno": dyno, "line": msg}})
	if from, to, ok := ParseStateLine(source, msg); ok {
		t.Bus.Publish(Event{Type: TypeDynoState, AppID: appID, Data: map[string]any{"dyno": dyno, "from": from, "to": to}})
	}
}

// ParseStateLine recognises the reconciler's platform line "State changed from X to Y".
func ParseStateLine(source, msg string) (from, to string, ok bool) {
	rest, found := strings.CutPrefix(msg, "State changed from ")
	if source != "heroku" || !found {
		return "", "", false
	}
	from, to, ok = strings.Cut(rest, " to ")
	if !ok || from == "" || to == "" || strings.Contains(to, " ") {
		return "", "", false
	}
	return from, to, true
}
