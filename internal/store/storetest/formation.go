package storetest

import (
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

// formationOf returns type → formation of an app.
func formationOf(t *testing.T, st *store.Store, appID string) map[string]*bera.Formation {
	t.Helper()
	fs, err := st.ListFormation(t.Context(), appID)
	must(t, err)
	out := map[string]*bera.Formation{}
	for i, f := range fs {
		if i > 0 && fs[i-1].Type >= f.Type {
			t.Errorf("ListFormation not ordered by type: %s before %s", fs[i-1].Type, f.Type)
		}
		out[f.Type] = f
	}
	return out
}

func testSetProcessTypes(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "procs")
	must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"web": "npm start", "worker": "node w.js"}))
	got := formationOf(t, st, app.ID)
	if len(got) != 2 || got["web"].Quantity != 1 || got["worker"].Quantity != 0 ||
		got["web"].Size != bera.DefaultDynoSize || got["web"].Command != "npm start" {
		t.Fatalf("first formation = web %+v worker %+v", got["web"], got["worker"])
	}
	_, err := st.UpdateFormation(ctx, app.ID, []bera.FormationUpdate{{Type: "web", Quantity: ptr(3)}})
	must(t, err)
	// A later release keeps quantities, updates commands, drops and adds types (web at 0
	// once the app has a formation).
	must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"web": "npm run serve", "clock": "node c.js"}))
	got = formationOf(t, st, app.ID)
	if len(got) != 2 || got["worker"] != nil || got["web"].Quantity != 3 || got["web"].Command != "npm run serve" ||
		got["clock"].Quantity != 0 {
		t.Errorf("second formation = %v", got)
	}
	must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{}))
	if got = formationOf(t, st, app.ID); len(got) != 0 {
		t.Errorf("formation after empty types = %v", got)
	}
	wantCode(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"bad type": "x"}), bera.EInvalid, "")
	wantCode(t, st.SetProcessTypes(ctx, "missing", map[string]string{"web": "x"}), bera.ENotFound, "")
}

func testUpdateFormation(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "scale")
	must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"web": "a", "worker": "b"}))
	tests := []struct {
		name    string
		updates []bera.FormationUpdate
		web     int
		worker  int
		size    string
	}{
		{"absolute", []bera.FormationUpdate{{Type: "web", Quantity: ptr(2)}}, 2, 0, "standard-1X"},
		{"relative up", []bera.FormationUpdate{{Type: "worker", Quantity: ptr(3), Relative: true}}, 2, 3, "standard-1X"},
		{"relative clamped", []bera.FormationUpdate{{Type: "worker", Quantity: ptr(-10), Relative: true}}, 2, 0, "standard-1X"},
		{"size canonical", []bera.FormationUpdate{{Type: "web", Size: "performance-m"}}, 2, 0, "performance-M"},
		{"batch", []bera.FormationUpdate{{Type: "web", Quantity: ptr(1), Relative: true}, {Type: "worker", Quantity: ptr(1)}}, 3, 1, "performance-M"},
	}
	for _, tt := range tests {
		fs, err := st.UpdateFormation(ctx, app.ID, tt.updates)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(fs) != 2 || fs[0].Type != "web" || fs[0].Quantity != tt.web || fs[1].Quantity != tt.worker || fs[0].Size != tt.size {
			t.Errorf("%s: got web=%d/%s worker=%d, want web=%d/%s worker=%d", tt.name, fs[0].Quantity, fs[0].Size, fs[1].Quantity, tt.web, tt.size, tt.worker)
		}
	}
	// An unknown type fails the whole batch.
	_, err := st.UpdateFormation(ctx, app.ID, []bera.FormationUpdate{{Type: "web", Quantity: ptr(9)}, {Type: "clock", Quantity: ptr(1)}})
	wantCode(t, err, bera.ENotFound, "Couldn't find that process type (clock).")
	if r := bera.ErrorResource(err); r != "formation" {
		t.Errorf("resource = %q, want formation", r)
	}
	_, err = st.UpdateFormation(ctx, app.ID, []bera.FormationUpdate{{Type: "web", Size: "huge"}})
	wantCode(t, err, bera.EInvalid, "")
	if got := formationOf(t, st, app.ID); got["web"].Quantity != 3 || got["web"].Size != "performance-M" {
		t.Errorf("failed batch changed web: %+v", got["web"])
	}
}

func testAppFeatures(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "feats")
	fs, err := st.AppFeatures(ctx, app.ID)
	must(t, err)
	if len(fs) != len(bera.AppFeatures) {
		t.Fatalf("AppFeatures = %d, want %d", len(fs), len(bera.AppFeatures))
	}
	for _, f := range fs {
		if f.Enabled || f.Description == "" {
			t.Errorf("new app feature %+v", f)
		}
	}
	must(t, st.SetAppFeature(ctx, app.ID, "preboot", true))
	must(t, st.SetAppFeature(ctx, app.ID, "maintenance", true))
	must(t, st.SetAppFeature(ctx, app.ID, "http-to-https", true))
	must(t, st.SetAppFeature(ctx, app.ID, "http-to-https", false))
	fs, err = st.AppFeatures(ctx, app.ID)
	must(t, err)
	want := map[string]bool{"preboot": true, "maintenance": true}
	for _, f := range fs {
		if f.Enabled != want[f.Name] {
			t.Errorf("%s enabled = %v, want %v", f.Name, f.Enabled, want[f.Name])
		}
	}
	if a, _ := st.App(ctx, app.ID); !a.Maintenance {
		t.Error("maintenance feature did not set App.Maintenance")
	}
	wantCode(t, st.SetAppFeature(ctx, app.ID, "warp-drive", true), bera.ENotFound, "Couldn't find that feature.")
	wantCode(t, st.SetAppFeature(ctx, "missing", "preboot", true), bera.ENotFound, "Couldn't find that app.")
}

// testOwnerDynos: an owner's dynos are summed over the apps it owns, leaving out the app
// being changed and apps it only collaborates on.
func testOwnerDynos(t *testing.T, st *store.Store) {
	ctx := t.Context()
	owner, other := mustUser(t, st, "owner@example.com"), mustUser(t, st, "other@example.com")
	a, b := mustApp(t, st, owner, "owned-a"), mustApp(t, st, owner, "owned-b")
	shared := mustApp(t, st, other, "others-app")
	_, err := st.AddCollaborator(ctx, shared.ID, owner.ID)
	must(t, err)
	for app, n := range map[*bera.App]int{a: 2, b: 3, shared: 7} {
		must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"web": "w", "worker": "k"}))
		_, err := st.UpdateFormation(ctx, app.ID, []bera.FormationUpdate{{Type: "worker", Quantity: ptr(n)}})
		must(t, err)
	}
	for _, tt := range []struct {
		except string
		want   int
	}{{a.ID, 1 + 3}, {b.ID, 1 + 2}, {"", 1 + 2 + 1 + 3}} {
		got, err := st.OwnerDynos(ctx, owner.ID, tt.except)
		must(t, err)
		if got != tt.want {
			t.Errorf("OwnerDynos(owner, except %q) = %d, want %d", tt.except, got, tt.want)
		}
	}
}
