package events

import (
	"github.com/kingvon-ke/bera/internal/logs"
)

// LogTap is a logs.Log that also publishes every written line as a Log event. Publishing
// never blocks, so the log writer keeps its speed.
type LogTap struct {
	logs.Log
	Events Publisher
}

// Write implements logs.Log: the line goes to the wrapped log, then to the bus, unless the
// bus knows that nobody follows the app.
func (t LogTap) Write(appID, source, dyno, msg string) {
	t.Log.Write(appID, source, dyno, msg)
	if s, ok := t.Events.(interface{ Subscribed(string) bool }); ok && !s.Subscribed(appID) {
		return
	}
	t.Events.Publish(Event{AppID: appID, Payload: Log{Dyno: dyno, Line: msg, Source: source}})
}
