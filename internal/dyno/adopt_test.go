package dyno_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// oneApp is a store holding one app whose release runs one web dyno.
type oneApp struct {
	app  *bera.App
	rel  *bera.Release
	form *bera.Formation
}

func (s oneApp) App(_ context.Context, id string) (*bera.App, error) {
	if id == s.app.ID || id == s.app.Name {
		return s.app, nil
	}
	return nil, bera.Errorf(bera.ENotFound, "Couldn't find that app.")
}

func (s oneApp) ListApps(context.Context, string) ([]*bera.App, error) {
	return []*bera.App{s.app}, nil
}

func (s oneApp) ListFormation(_ context.Context, appID string) ([]*bera.Formation, error) {
	if appID != s.app.ID {
		return nil, nil
	}
	return []*bera.Formation{s.form}, nil
}

func (s oneApp) ListCurrent(_ context.Context, appID string) ([]*bera.Current, error) {
	if appID != "" && appID != s.app.ID {
		return nil, nil
	}
	c := *s.form
	return []*bera.Current{{AppID: s.app.ID, BootTimeout: s.app.BootTimeout, Release: s.rel, Formation: []*bera.Formation{&c}}}, nil
}

func (s oneApp) CurrentRelease(ctx context.Context, appID string) (*bera.Release, error) {
	return s.Release(ctx, appID, s.rel.ID)
}

func (s oneApp) Release(_ context.Context, appID, _ string) (*bera.Release, error) {
	if appID != s.app.ID {
		return nil, bera.Errorf(bera.ENotFound, "Couldn't find that release.")
	}
	return s.rel, nil
}

// TestAdoptStopsDynosOfDeletedApps: at start, the reconciler stops the runtime's dynos whose
// app is gone, whatever their id looks like, and keeps the others.
func TestAdoptStopsDynosOfDeletedApps(t *testing.T) {
	const relID = "0b9e6a3c-8a6f-4a57-9a2e-3f1f2c3d4e5f"
	st := oneApp{
		app:  &bera.App{ID: "app-live", Name: "live"},
		rel:  &bera.Release{ID: relID, AppID: "app-live", Version: 2, SlugID: "slug-1"},
		form: &bera.Formation{AppID: "app-live", Type: "web", Quantity: 1, Size: bera.DefaultDynoSize, Command: "sleep 1000"},
	}
	rt := process.New(process.Config{})
	defer rt.Close()
	slug := runtimetest.MustSlug(t)
	// What a previous server left: the live app's web dyno, and two of a destroyed app (one
	// named like the reconciler's, one like something else's).
	live := runtime.DynoSpec{ID: "d0b9e6a3c8a6f4a579a2e3f1f2c3d4e5f-web_1-aaaaaa", App: "live", AppID: "app-live", Name: "web.1", Type: "web", Command: "sleep 1000", SlugDir: slug}
	gone := []runtime.DynoSpec{
		{ID: "d11111111111141111111111111111111-web_1-bbbbbb", App: "gone", AppID: "app-gone", Name: "web.1", Type: "web", Command: "sleep 1000", SlugDir: slug},
		{ID: "addon-gone-1", App: "gone", AppID: "app-gone", Name: "worker.1", Type: "worker", Command: "sleep 1000", SlugDir: slug},
	}
	for _, spec := range append([]runtime.DynoSpec{live}, gone...) {
		if _, err := rt.Start(t.Context(), spec); err != nil {
			t.Fatal(err)
		}
		defer rt.Stop(context.Background(), spec.ID, 0)
	}
	rec := dyno.New(dyno.Config{Store: st, Runtime: rt, Interval: 50 * time.Millisecond, StopGrace: time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	defer func() { cancel(); <-done }()

	deadline := time.Now().Add(10 * time.Second)
	for _, spec := range gone {
		for {
			_, err := rt.Inspect(t.Context(), spec.ID)
			if errors.Is(err, runtime.ErrNotFound) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("dyno %s of the deleted app still known to the runtime: %v", spec.ID, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(200 * time.Millisecond) // a few passes
	if s, err := rt.Inspect(t.Context(), live.ID); err != nil || s.State != runtime.StateRunning {
		t.Errorf("the live app's dyno: %+v, %v; want it running", s, err)
	}
	for _, d := range rec.Dynos("app-gone") {
		t.Errorf("the reconciler tracks %s of the deleted app", d.Name)
	}
}
