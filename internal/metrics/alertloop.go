package metrics

import (
	"context"
	"time"

	"github.com/kingvon-ke/bera"
)

// AlertStore keeps the apps' threshold alerts and their state (the store).
type AlertStore interface {
	// Alerts returns the app's alerts; an empty appID lists every app's.
	Alerts(ctx context.Context, appID string) ([]*bera.Alert, error)
	// SetAlertState records a trigger or a resolution. ENotFound when the alert is gone.
	SetAlertState(ctx context.Context, appID string, kind bera.AlertKind, triggered bool, since time.Time) error
}

// AlertsConfig configures an Alerts loop. Zero fields take the defaults listed.
type AlertsConfig struct {
	// Store holds the alerts. Required.
	Store AlertStore
	// Log writes a line to an app's log; alerts write as heroku[alerts]. Required.
	Log func(appID, source, dyno, msg string)
	// Interval between checks in Run. Default 1 minute.
	Interval time.Duration
}

// Alerts checks every app's threshold alerts against the rollups of a Metrics: an alert
// whose measure holds over its threshold for its window triggers once, with a line in the
// app's log, and resolves once, with another, when the measure falls back. The state is
// kept in the store, so a restarted server does not repeat a line.
type Alerts struct {
	m   *Metrics
	cfg AlertsConfig
}

// NewAlerts returns the alert loop over m's rollups.
func (m *Metrics) NewAlerts(cfg AlertsConfig) *Alerts {
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	return &Alerts{m: m, cfg: cfg}
}

// Run checks the alerts every Interval until ctx ends.
func (a *Alerts) Run(ctx context.Context) error {
	tick := time.NewTicker(a.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if err := a.Check(ctx); err != nil && ctx.Err() == nil {
			a.m.log.Warn("check alerts", "err", err)
		}
	}
}

// Check checks every alert once, recording and logging what changed. It goes on past an
// alert it cannot record and returns the last such error.
func (a *Alerts) Check(ctx context.Context) error {
	alerts, err := a.cfg.Store.Alerts(ctx, "")
	if err != nil {
		return err
	}
	now := a.m.cfg.Now()
	var last error
	for _, al := range alerts {
		window := time.Duration(al.Minutes+1) * time.Minute
		pts := a.m.Rollups(al.AppID, now.Truncate(time.Minute).Add(-window), now)
		ch := NextAlertState(al, CheckAlert(al, pts, now, a.m.started))
		if !ch.Changed {
			continue
		}
		// Record first: a line logged but not recorded would be logged again.
		err := a.cfg.Store.SetAlertState(ctx, al.AppID, al.Kind, ch.Triggered, now.Truncate(time.Minute).UTC())
		if bera.ErrorCode(err) == bera.ENotFound {
			continue // cleared meanwhile
		}
		if err != nil {
			last = err
			continue
		}
		a.cfg.Log(al.AppID, "heroku", "alerts", ch.Msg)
	}
	return last
}
