package storetest

import (
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

// releaseState is what a release write touches: the releases, the config and the formation.
type releaseState struct {
	versions  []int
	config    map[string]string
	formation map[string]string // type → "command quantity size"
}

func readReleaseState(t *testing.T, st *store.Store, appID string) releaseState {
	t.Helper()
	rels, err := st.ListReleases(t.Context(), appID)
	must(t, err)
	cfg, err := st.ConfigVars(t.Context(), appID)
	must(t, err)
	s := releaseState{config: cfg, formation: map[string]string{}}
	for _, r := range rels {
		s.versions = append(s.versions, r.Version)
	}
	for typ, f := range formationOf(t, st, appID) {
		s.formation[typ] = f.Command + " " + strconv.Itoa(f.Quantity) + " " + f.Size
	}
	return s
}

func testWriteRelease(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "write-rel")
	// A deploy: a new slug, its process types and app.json's quantity for a new type, with
	// the config as it is.
	_, _, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "A", Value: ptr("1")}})
	must(t, err)
	v3, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Description: "Deploy abc", UserID: u.ID, SlugID: ptr("slug-1"),
		Formation: &bera.ReleaseFormation{ProcessTypes: map[string]string{"web": "serve", "worker": "work"},
			Updates: []bera.FormationUpdate{{Type: "worker", Quantity: ptr(2), Size: "standard-2x"}}}})
	must(t, err)
	if v3.Version != 3 || v3.SlugID != "slug-1" || v3.Status != bera.ReleaseSucceeded || !v3.Current || v3.Config["A"] != "1" {
		t.Fatalf("deploy release = %+v", v3)
	}
	got := readReleaseState(t, st, app.ID)
	if want := map[string]string{"web": "serve 1 standard-1X", "worker": "work 2 standard-2X"}; !maps.Equal(got.formation, want) {
		t.Errorf("formation after deploy = %v, want %v", got.formation, want)
	}
	// A config change keeps the slug, the add-on plans and the formation.
	v4, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Description: "Set B config vars", UserID: u.ID,
		ConfigChanges: []bera.ConfigChange{{Key: "B", Value: ptr("2")}, {Key: "A"}}, AddonPlanNames: []string{"heroku-redis:mini"}})
	must(t, err)
	v5, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Description: "Set C config vars",
		ConfigChanges: []bera.ConfigChange{{Key: "C", Value: ptr("3")}}})
	must(t, err)
	if v5.SlugID != "slug-1" || !slices.Equal(v5.AddonPlanNames, []string{"heroku-redis:mini"}) ||
		!maps.Equal(v5.Config, map[string]string{"B": "2", "C": "3"}) {
		t.Errorf("config release = %+v", v5)
	}
	if after := readReleaseState(t, st, app.ID); !maps.Equal(after.formation, got.formation) {
		t.Errorf("a config change changed the formation: %v", after.formation)
	}
	// A rollback to v1: its slug (even none), config and plans replace the current ones.
	v6, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Description: "Rollback to v1", SlugID: ptr(""),
		Config: map[string]string{}, AddonPlanNames: []string{}})
	must(t, err)
	cfg, err := st.ConfigVars(ctx, app.ID)
	must(t, err)
	if v6.SlugID != "" || len(v6.AddonPlanNames) != 0 || len(cfg) != 0 {
		t.Errorf("rollback release = %+v, config %v", v6, cfg)
	}
	stored, err := st.Release(ctx, app.ID, v4.ID)
	must(t, err)
	if stored.Description != "Set B config vars" || stored.UserEmail != u.Email || !maps.Equal(stored.Config, map[string]string{"B": "2"}) {
		t.Errorf("stored v4 = %+v", stored)
	}
	_, err = st.WriteRelease(ctx, bera.NewRelease{AppID: "missing"})
	wantCode(t, err, bera.ENotFound, "")
	_, err = st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Formation: &bera.ReleaseFormation{ProcessTypes: map[string]string{"bad type": "x"}}})
	wantCode(t, err, bera.EInvalid, "")
}

// A release and its formation are one write: when the formation part fails, neither the
// release nor the config nor the process types change, so no reader ever sees the new
// release with the old commands, or the new commands with the old release.
func testWriteReleaseAtomic(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "atomic-rel")
	_, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, SlugID: ptr("slug-1"),
		Formation: &bera.ReleaseFormation{ProcessTypes: map[string]string{"web": "old"}}})
	must(t, err)
	before := readReleaseState(t, st, app.ID)
	for name, f := range map[string]*bera.ReleaseFormation{
		"unknown size": {ProcessTypes: map[string]string{"web": "new"}, Updates: []bera.FormationUpdate{{Type: "web", Size: "huge"}}},
		"unknown type": {ProcessTypes: map[string]string{"web": "new"}, Updates: []bera.FormationUpdate{{Type: "clock", Quantity: ptr(1)}}},
	} {
		_, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, SlugID: ptr("slug-2"), Formation: f,
			ConfigChanges: []bera.ConfigChange{{Key: "NEW", Value: ptr("1")}}})
		if err == nil {
			t.Fatalf("%s: WriteRelease succeeded", name)
		}
		after := readReleaseState(t, st, app.ID)
		if !slices.Equal(after.versions, before.versions) || !maps.Equal(after.config, before.config) ||
			!maps.Equal(after.formation, before.formation) {
			t.Errorf("%s: a failed write changed state: %+v, was %+v", name, after, before)
		}
	}
}

// A pending release (a release phase runs) leaves the formation alone until SucceedRelease
// makes it current and writes its process types in the same transaction.
func testSucceedRelease(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "succeed-rel")
	_, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, SlugID: ptr("slug-1"),
		Formation: &bera.ReleaseFormation{ProcessTypes: map[string]string{"web": "old"}}})
	must(t, err)
	pending, err := st.WriteRelease(ctx, bera.NewRelease{AppID: app.ID, Status: bera.ReleasePending, SlugID: ptr("slug-2")})
	must(t, err)
	if pending.Current {
		t.Errorf("pending release is current")
	}
	assertCurrent(t, st, app.ID, 2)
	f := &bera.ReleaseFormation{ProcessTypes: map[string]string{"web": "new", "worker": "w"},
		Updates: []bera.FormationUpdate{{Type: "worker", Quantity: ptr(3)}}}
	// A failing formation leaves the release pending.
	bad := &bera.ReleaseFormation{ProcessTypes: f.ProcessTypes, Updates: []bera.FormationUpdate{{Type: "worker", Size: "huge"}}}
	if err := st.SucceedRelease(ctx, app.ID, pending.ID, bad); err == nil {
		t.Fatal("SucceedRelease with an unknown size succeeded")
	}
	assertCurrent(t, st, app.ID, 2)
	if got := readReleaseState(t, st, app.ID).formation; got["web"] != "old 1 standard-1X" || len(got) != 1 {
		t.Errorf("formation after a failed SucceedRelease = %v", got)
	}
	must(t, st.SucceedRelease(ctx, app.ID, pending.ID, f))
	assertCurrent(t, st, app.ID, 3)
	if got, want := readReleaseState(t, st, app.ID).formation, map[string]string{"web": "new 1 standard-1X", "worker": "w 3 standard-1X"}; !maps.Equal(got, want) {
		t.Errorf("formation = %v, want %v", got, want)
	}
	wantCode(t, st.SucceedRelease(ctx, app.ID, "missing", nil), bera.ENotFound, "")
	other := mustApp(t, st, u, "succeed-other")
	wantCode(t, st.SucceedRelease(ctx, other.ID, pending.ID, nil), bera.ENotFound, "")
}
