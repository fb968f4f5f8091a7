package bera

import "time"

// AlertKind is what a threshold alert watches.
type AlertKind string

// The alert kinds: the router's p95 response time (Threshold in milliseconds) and its
// error rate, the share of requests answered with a 5xx (Threshold in percent).
const (
	AlertP95       AlertKind = "p95"
	AlertErrorRate AlertKind = "error_rate"
)

// Alert is a threshold alert of an app: it triggers when its measure is over Threshold in
// each of the last Minutes whole minutes, and resolves when that no longer holds. An app
// has at most one alert of each kind.
type Alert struct {
	AppID     string
	Kind      AlertKind
	Threshold float64
	Minutes   int
	// Triggered is set while the alert is triggered; Since is when it last changed
	// (triggered or resolved), zero until it first does.
	Triggered bool
	Since     time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks the kind and ranges: Threshold above 0 (at most 100 for an error rate)
// and Minutes from 1 to 60.
func (a *Alert) Validate() error {
	switch a.Kind {
	case AlertP95:
		if !(a.Threshold >= 1 && a.Threshold <= 600000) {
			return Errorf(EInvalid, "The p95 threshold must be from 1 to 600000 ms.")
		}
	case AlertErrorRate:
		if !(a.Threshold > 0 && a.Threshold <= 100) {
			return Errorf(EInvalid, "The error rate threshold must be over 0 and at most 100%%.")
		}
	default:
		return Errorf(EInvalid, "An alert is on p95 or error_rate.")
	}
	if a.Minutes < 1 || a.Minutes > 60 {
		return Errorf(EInvalid, "An alert's window must be from 1 to 60 minutes.")
	}
	return nil
}
