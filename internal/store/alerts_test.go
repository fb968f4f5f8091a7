package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func TestAlerts(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := &bera.User{Email: "a@example.com"}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		app := &bera.App{Name: "alerted", OwnerID: u.ID}
		if _, err := st.CreateApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		if err := st.SetAlert(ctx, &bera.Alert{AppID: app.ID, Kind: bera.AlertP95, Threshold: 500, Minutes: 0}); bera.ErrorCode(err) != bera.EInvalid {
			t.Fatalf("0 minutes: %v, want invalid_params", err)
		}
		if err := st.SetAlert(ctx, &bera.Alert{AppID: "no-such-app", Kind: bera.AlertP95, Threshold: 500, Minutes: 5}); bera.ErrorCode(err) != bera.ENotFound {
			t.Fatalf("unknown app: %v, want not_found", err)
		}
		a := &bera.Alert{AppID: app.ID, Kind: bera.AlertP95, Threshold: 500, Minutes: 5}
		if err := st.SetAlert(ctx, a); err != nil || a.CreatedAt.IsZero() || a.Triggered {
			t.Fatalf("SetAlert: %+v, %v", a, err)
		}
		if err := st.SetAlert(ctx, &bera.Alert{AppID: app.ID, Kind: bera.AlertErrorRate, Threshold: 2.5, Minutes: 10}); err != nil {
			t.Fatal(err)
		}
		since := time.Date(2026, 12, 2, 12, 5, 0, 0, time.UTC)
		if err := st.SetAlertState(ctx, app.ID, bera.AlertP95, true, since); err != nil {
			t.Fatal(err)
		}
		// Changing the threshold keeps the state.
		if err := st.SetAlert(ctx, &bera.Alert{AppID: app.ID, Kind: bera.AlertP95, Threshold: 800, Minutes: 3}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Alerts(ctx, app.ID)
		if err != nil || len(got) != 2 {
			t.Fatalf("Alerts = %+v, %v", got, err)
		}
		er, p95 := got[0], got[1]
		if er.Kind != bera.AlertErrorRate || er.Threshold != 2.5 || er.Minutes != 10 || er.Triggered || !er.Since.IsZero() {
			t.Errorf("error rate alert: %+v", er)
		}
		if p95.Kind != bera.AlertP95 || p95.Threshold != 800 || p95.Minutes != 3 || !p95.Triggered || !p95.Since.Equal(since) {
			t.Errorf("p95 alert: %+v", p95)
		}
		if err := st.DeleteAlert(ctx, app.ID, bera.AlertErrorRate); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteAlert(ctx, app.ID, bera.AlertErrorRate); bera.ErrorCode(err) != bera.ENotFound {
			t.Fatalf("second delete: %v", err)
		}
		if err := st.SetAlertState(ctx, app.ID, bera.AlertErrorRate, false, since); bera.ErrorCode(err) != bera.ENotFound {
			t.Fatalf("state of a cleared alert: %v", err)
		}
		if all, _ := st.Alerts(ctx, ""); len(all) != 1 {
			t.Fatalf("all alerts: %+v", all)
		}
		if err := st.DeleteApp(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
		if all, _ := st.Alerts(ctx, ""); len(all) != 0 {
			t.Fatalf("alerts survive their app: %v", all)
		}
	})
}
