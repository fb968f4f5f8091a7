package metrics

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
)

// AlertCheck is what one check of an alert against an app's rollups found.
type AlertCheck struct {
	// Holds is true when the alert's measure was over its threshold in each of the last
	// Minutes whole minutes (the current minute is still filling and does not count).
	Holds bool
	// Known is false when the rollups start inside the window (the server started less than
	// Minutes ago), so that not holding means nothing: the alert keeps its state.
	Known bool
	// Value is the measure (ms, or percent) when Holds: the lowest of the window's minutes,
	// each over the threshold by at least this much. Otherwise it is the last whole
	// minute's, when HasValue (that minute had requests).
	Value    float64
	HasValue bool
	// Since is the start of the run of minutes over the threshold, when Holds.
	Since time.Time
}

// CheckAlert checks a against pts, an app's points (oldest first, minutes without traffic
// missing), at now. dataSince is when the rollups began. A minute without requests has no
// response time nor error rate, so it breaks a run.
func CheckAlert(a *bera.Alert, pts []Point, now, dataSince time.Time) AlertCheck {
	current := now.Truncate(time.Minute)
	var c AlertCheck
	c.Known = !current.Add(-time.Duration(a.Minutes) * time.Minute).Before(dataSince.Truncate(time.Minute).Add(time.Minute))
	var run []float64
	var runStart, next time.Time // next: the minute after the last one seen
	for _, p := range pts {
		if !p.Time.Before(current) {
			continue
		}
		v, ok := alertValue(a.Kind, p)
		if !p.Time.Equal(next) || !ok || v <= a.Threshold {
			run = run[:0]
		}
		if ok && v > a.Threshold {
			if len(run) == 0 {
				runStart = p.Time
			}
			run = append(run, v)
		}
		c.Value, c.HasValue = v, ok
		next = p.Time.Add(time.Minute)
	}
	if !next.Equal(current) { // the last whole minute had no point: no requests
		c.Value, c.HasValue = 0, false
		return c
	}
	if a.Minutes < 1 || len(run) < a.Minutes {
		return c
	}
	c.Holds, c.Known, c.Since = true, true, runStart
	c.Value = run[len(run)-a.Minutes]
	for _, v := range run[len(run)-a.Minutes:] {
		c.Value = min(c.Value, v)
	}
	return c
}

// alertValue is the measure of kind in p; ok is false without requests.
func alertValue(kind bera.AlertKind, p Point) (v float64, ok bool) {
	if p.Requests == 0 {
		return 0, false
	}
	switch kind {
	case bera.AlertP95:
		return float64(p.P95) / float64(time.Millisecond), true
	case bera.AlertErrorRate:
		return float64(p.Status[4]) * 100 / float64(p.Requests), true
	}
	return 0, false
}

// AlertChange is what a check changes of an alert: nothing, or it triggers or resolves
// with a log line.
type AlertChange struct {
	Changed   bool
	Triggered bool
	// Msg is the app log line, as heroku[alerts].
	Msg string
}

// NextAlertState returns the change c makes to a: it triggers when c holds and a is not
// triggered, and resolves when c is known not to hold and a is triggered.
func NextAlertState(a *bera.Alert, c AlertCheck) AlertChange {
	what, unit := "p95 response time", " ms"
	if a.Kind == bera.AlertErrorRate {
		what, unit = "error rate", "%"
	}
	window := fmt.Sprintf("%s%s for %d %s", formatAlertValue(a.Threshold, unit), unit, a.Minutes, plural(a.Minutes, "minute"))
	switch {
	case c.Holds && !a.Triggered:
		return AlertChange{Changed: true, Triggered: true,
			Msg: fmt.Sprintf("Alert triggered: %s %s%s over %s", what, formatAlertValue(c.Value, unit), unit, window)}
	case !c.Holds && c.Known && a.Triggered:
		now := ""
		if c.HasValue {
			now = " " + formatAlertValue(c.Value, unit) + unit + ","
		}
		return AlertChange{Changed: true, Msg: fmt.Sprintf("Alert resolved: %s%s no longer over %s", what, now, window)}
	}
	return AlertChange{}
}

// formatAlertValue is v in whole milliseconds, or a percentage to one decimal (2.5%).
func formatAlertValue(v float64, unit string) string {
	if unit == "%" {
		return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}
