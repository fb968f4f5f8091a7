// Package logs is Bera's log router core, in the manner of Heroku's Logplex: a per-app ring
// buffer of the latest lines with subscribers that never slow the writer, Heroku's line
// format, filters, and signed log-session URLs served as SSE or plain text. Drains (syslog,
// HTTPS) implement Sink and live in the drain subpackage.
package logs

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MaxMessage is the largest message of one line in bytes; longer messages are split, as
// Heroku does.
const MaxMessage = 10000

// TimeFormat is the timestamp layout of a log line: RFC 3339 with microseconds and a numeric
// offset, such as 2026-01-01T00:00:00.123456+00:00.
const TimeFormat = "2006-01-02T15:04:05.000000-07:00"

// Line is one log line of an app.
type Line struct {
	// Seq increases by one for every line of an app; it is the SSE event id.
	Seq uint64
	// Time is when the line was written, in UTC.
	Time time.Time
	// Source is "app" for process output and platform actions, "heroku" for the platform
	// (router, dyno manager, log router).
	Source string
	// Dyno names the emitter: "web.1", "router", "api".
	Dyno string
	// Message is the text, without a trailing newline.
	Message string
}

// String formats l as Heroku does: "2026-01-01T00:00:00.123456+00:00 app[web.1]: msg".
func (l Line) String() string {
	return string(l.AppendFormat(make([]byte, 0, 48+len(l.Source)+len(l.Dyno)+len(l.Message))))
}

// AppendFormat appends the formatted line (without a newline) to b.
func (l Line) AppendFormat(b []byte) []byte {
	b = l.Time.UTC().AppendFormat(b, TimeFormat)
	b = append(b, ' ')
	b = append(b, l.Source...)
	b = append(b, '[')
	b = append(b, l.Dyno...)
	b = append(b, "]: "...)
	return append(b, l.Message...)
}

// SplitMessage splits msg into the messages of separate lines: one per "\n"-separated line
// (a trailing "\r" removed, an empty last line dropped), each at most MaxMessage bytes,
// cut on UTF-8 character boundaries.
func SplitMessage(msg string) []string {
	var out []string
	for len(msg) > 0 {
		line, rest, _ := strings.Cut(msg, "\n")
		msg = rest
		out = appendChunks(out, strings.TrimSuffix(line, "\r"))
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

func appendChunks(out []string, s string) []string {
	for len(s) > MaxMessage {
		cut := MaxMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = MaxMessage
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}
