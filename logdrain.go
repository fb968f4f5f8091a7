package bera

import "time"

// LogDrain delivers an app's log lines to a syslog or HTTPS endpoint.
type LogDrain struct {
	ID        string
	AppID     string
	URL       string // may hold credentials: sealed at rest, never logged
	Token     string // "d.<uuid>", sent as the syslog host / Logplex-Drain-Token
	CreatedAt time.Time
	UpdatedAt time.Time
}
