package dashboard

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/client"
)

// AlertStore keeps the apps' threshold alerts (the store). The dashboard reaches it only
// after the API showed the signed-in user the app (owner or collaborator), so it has the
// API's authorization.
type AlertStore interface {
	// Alerts returns the app's alerts.
	Alerts(ctx context.Context, appID string) ([]*bera.Alert, error)
	// SetAlert saves the app's alert of a.Kind. EInvalid for bad values.
	SetAlert(ctx context.Context, a *bera.Alert) error
	// DeleteAlert clears the app's alert of kind. ENotFound when it has none.
	DeleteAlert(ctx context.Context, appID string, kind bera.AlertKind) error
}

// alertKinds are the alerts the Metrics tab offers, in order.
var alertKinds = []alertKind{
	{Kind: bera.AlertP95, Label: "p95 response time", Unit: " ms", UnitName: "ms", Min: "1", Step: "1"},
	{Kind: bera.AlertErrorRate, Label: "error rate (5xx responses)", Unit: "%", UnitName: "%", Min: "0.1", Step: "0.1", Max: "100"},
}

// alertKind is how the Metrics tab names one kind of alert and bounds its input.
type alertKind struct {
	Kind           bera.AlertKind
	Label, Unit    string
	UnitName       string
	Min, Step, Max string
}

// alertView is one kind of alert on the Metrics tab: its form, and its state when set.
type alertView struct {
	alertKind
	Set       bool
	Threshold string
	Minutes   int
	Triggered bool
	Since     time.Time // zero until it first triggered
}

// metricsAlerts returns the app's alerts as the Metrics tab shows them.
func (d *Dashboard) metricsAlerts(ctx context.Context, appID string) ([]alertView, error) {
	saved, err := d.cfg.Alerts.Alerts(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := make([]alertView, 0, len(alertKinds))
	for _, k := range alertKinds {
		v := alertView{alertKind: k, Minutes: 5}
		for _, a := range saved {
			if a.Kind == k.Kind {
				v.Set, v.Threshold, v.Minutes, v.Triggered, v.Since = true, formatValue(a.Threshold), a.Minutes, a.Triggered, a.Since
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// alertsURL is the alerts' part of the Metrics tab.
func alertsURL(app string) string { return appURL(app, "metrics") + "#alerts" }

// handleAlertSet saves an alert from the Metrics tab's form (kind, threshold, minutes).
func (d *Dashboard) handleAlertSet(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, err := d.alertApp(r, c)
	if err != nil {
		return "", err
	}
	next := alertsURL(app.Name)
	a, err := parseAlertForm(r.PostForm)
	if err != nil {
		return next, err
	}
	a.AppID = app.ID
	if err := d.cfg.Alerts.SetAlert(r.Context(), a); err != nil {
		if bera.ErrorCode(err) == bera.EInvalid {
			return next, errorf(http.StatusUnprocessableEntity, "Invalid", bera.ErrorMessage(err))
		}
		return next, err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Saved the " + kindLabel(a.Kind) + " alert."})
	return next, nil
}

// handleAlertClear clears an alert (kind).
func (d *Dashboard) handleAlertClear(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app, err := d.alertApp(r, c)
	if err != nil {
		return "", err
	}
	kind := bera.AlertKind(r.PostForm.Get("kind"))
	err = d.cfg.Alerts.DeleteAlert(r.Context(), app.ID, kind)
	if err != nil && bera.ErrorCode(err) != bera.ENotFound {
		return alertsURL(app.Name), err
	}
	d.sessions.setFlash(sessionFrom(r.Context()), flash{Text: "Cleared the " + kindLabel(kind) + " alert."})
	return alertsURL(app.Name), nil
}

// alertApp is the app of the request, as the API shows it to the user (404 to others).
func (d *Dashboard) alertApp(r *http.Request, c *client.Client) (appRef, error) {
	if d.cfg.Alerts == nil {
		return appRef{}, errorf(http.StatusNotFound, "Page not found", "Alerts are not available on this server.")
	}
	app, err := c.App(r.Context(), r.PathValue("app"))
	if err != nil {
		return appRef{}, err
	}
	return appRef{ID: app.ID, Name: app.Name}, nil
}

type appRef struct{ ID, Name string }

// parseAlertForm reads an alert form: kind (p95, error_rate), threshold and minutes
// (default 5). Ranges are bera.Alert.Validate's.
func parseAlertForm(f url.Values) (*bera.Alert, error) {
	a := &bera.Alert{Kind: bera.AlertKind(f.Get("kind")), Minutes: 5}
	if kindLabel(a.Kind) == "" {
		return nil, errorf(http.StatusUnprocessableEntity, "Invalid", "Choose an alert on p95 response time or error rate.")
	}
	th, err := strconv.ParseFloat(strings.TrimSpace(f.Get("threshold")), 64)
	if err != nil || math.IsNaN(th) || math.IsInf(th, 0) {
		return nil, errorf(http.StatusUnprocessableEntity, "Invalid", "Enter the alert's threshold as a number.")
	}
	a.Threshold = th
	if s := strings.TrimSpace(f.Get("minutes")); s != "" {
		if a.Minutes, err = strconv.Atoi(s); err != nil {
			return nil, errorf(http.StatusUnprocessableEntity, "Invalid", "Enter the alert's minutes as a whole number.")
		}
	}
	if err := a.Validate(); err != nil {
		return nil, errorf(http.StatusUnprocessableEntity, "Invalid", bera.ErrorMessage(err))
	}
	return a, nil
}

// kindLabel names kind in messages, "" for an unknown kind.
func kindLabel(kind bera.AlertKind) string {
	for _, k := range alertKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return ""
}
