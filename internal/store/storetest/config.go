package storetest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testConfigVars(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "cfg")
	cfg, err := st.ConfigVars(ctx, app.ID)
	if err != nil || cfg == nil || len(cfg) != 0 {
		t.Fatalf("ConfigVars of a new app = %v, %v; want empty, non-nil", cfg, err)
	}
	cfg, rel, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{
		{Key: "A", Value: ptr("1")}, {Key: "B", Value: ptr("two")}})
	must(t, err)
	if want := map[string]string{"A": "1", "B": "two"}; !maps.Equal(cfg, want) {
		t.Errorf("config = %v, want %v", cfg, want)
	}
	if rel.Version != 2 || rel.Description != "Set A, B config vars" || rel.Status != bera.ReleaseSucceeded ||
		rel.UserID != u.ID || rel.Config["B"] != "two" {
		t.Errorf("release = %+v", rel)
	}
	cfg, rel, err = st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "A"}, {Key: "C", Value: ptr("")}})
	must(t, err)
	if want := map[string]string{"B": "two", "C": ""}; !maps.Equal(cfg, want) {
		t.Errorf("config = %v, want %v", cfg, want)
	}
	if rel.Version != 3 || rel.Description != "Set C config vars and Remove A config vars" {
		t.Errorf("release = %+v", rel)
	}
	read, err := st.ConfigVars(ctx, app.ID)
	must(t, err)
	if !maps.Equal(read, cfg) {
		t.Errorf("ConfigVars = %v, want %v", read, cfg)
	}
	// No effective change still makes a release.
	_, rel, err = st.UpdateConfigVars(ctx, app.ID, u.ID, nil)
	must(t, err)
	if rel.Version != 4 {
		t.Errorf("empty change made v%d, want v4", rel.Version)
	}
	_, _, err = st.UpdateConfigVars(ctx, "missing", u.ID, nil)
	wantCode(t, err, bera.ENotFound, "Couldn't find that app.")
	_, err = st.ConfigVars(ctx, "missing")
	wantCode(t, err, bera.ENotFound, "")
}

// testConfigSealedAtRest reads every column of the rows holding config and checks that no
// plaintext key or value appears.
func testConfigSealedAtRest(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "secretive")
	const key, value = "SECRET_TOKEN_NAME", "hunter2-plaintext-value"
	_, _, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: key, Value: ptr(value)}})
	must(t, err)
	for _, q := range []string{
		"SELECT sealed FROM app_config WHERE app_id = '" + app.ID + "'",
		"SELECT config_sealed FROM releases WHERE app_id = '" + app.ID + "'",
	} {
		rows, err := st.DB().QueryContext(ctx, q)
		must(t, err)
		n := 0
		for rows.Next() {
			var raw string
			must(t, rows.Scan(&raw))
			n++
			if raw == "" || strings.Contains(raw, key) || strings.Contains(raw, value) {
				t.Errorf("%s: plaintext visible or empty: %q", q, raw)
			}
		}
		must(t, rows.Err())
		rows.Close()
		if n == 0 {
			t.Errorf("%s: no rows", q)
		}
	}
}

// testConcurrentConfigUpdates checks that concurrent writers get distinct, consecutive
// versions and that no update is lost.
func testConcurrentConfigUpdates(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "busy")
	const writers, each = 6, 5
	var mu sync.Mutex
	var versions []int
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				key := fmt.Sprintf("K_%d_%d", w, i)
				_, rel, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: key, Value: ptr("v")}})
				if err != nil {
					t.Errorf("UpdateConfigVars: %v", err)
					return
				}
				mu.Lock()
				versions = append(versions, rel.Version)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(versions)
	for i, v := range versions {
		if v != i+2 {
			t.Fatalf("versions = %v, want 2..%d each once", versions, writers*each+1)
		}
	}
	cfg, err := st.ConfigVars(ctx, app.ID)
	must(t, err)
	if len(cfg) != writers*each {
		t.Errorf("config has %d vars, want %d (lost updates)", len(cfg), writers*each)
	}
}

func testReleases(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "rels")
	_, v2, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "A", Value: ptr("1")}})
	must(t, err)
	v3 := &bera.Release{AppID: app.ID, Description: "Deploy abc", SlugID: "slug-1", UserID: u.ID,
		Config: map[string]string{"A": "1", "B": "2"}, AddonPlanNames: []string{"heroku-postgresql:mini"}}
	must(t, st.CreateRelease(ctx, v3))
	if v3.Version != 3 || v3.ID == "" || v3.Status != bera.ReleaseSucceeded || v3.CreatedAt.IsZero() {
		t.Fatalf("CreateRelease filled %+v", v3)
	}
	cfg, err := st.ConfigVars(ctx, app.ID)
	must(t, err)
	if !maps.Equal(cfg, v3.Config) {
		t.Errorf("config after release = %v, want %v", cfg, v3.Config)
	}
	// A pending release is not current; the newest succeeded one is.
	v4 := &bera.Release{AppID: app.ID, Description: "Deploy def", Status: bera.ReleasePending, SlugID: "slug-2", Config: cfg}
	must(t, st.CreateRelease(ctx, v4))
	assertCurrent(t, st, app.ID, 3)
	must(t, st.SetReleaseStatus(ctx, v4.ID, bera.ReleaseSucceeded))
	assertCurrent(t, st, app.ID, 4)
	wantCode(t, st.SetReleaseStatus(ctx, "missing", bera.ReleaseFailed), bera.ENotFound, "")

	// The next config change keeps the current release's slug.
	_, v5, err := st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "C", Value: ptr("3")}})
	must(t, err)
	if v5.SlugID != "slug-2" {
		t.Errorf("config release slug = %q, want slug-2", v5.SlugID)
	}

	for _, key := range []string{"3", v3.ID} {
		got, err := st.Release(ctx, app.ID, key)
		must(t, err)
		if got.ID != v3.ID || got.Version != 3 || got.SlugID != "slug-1" || got.UserEmail != u.Email ||
			got.Current || !maps.Equal(got.Config, v3.Config) || !slices.Equal(got.AddonPlanNames, v3.AddonPlanNames) ||
			!got.CreatedAt.Equal(v3.CreatedAt) {
			t.Errorf("Release(%s) = %+v", key, got)
		}
	}
	got, err := st.Release(ctx, app.ID, "2")
	must(t, err)
	if got.ID != v2.ID || got.Config["A"] != "1" {
		t.Errorf("Release(2) = %+v", got)
	}
	for _, key := range []string{"99", "missing", "0"} {
		_, err := st.Release(ctx, app.ID, key)
		wantCode(t, err, bera.ENotFound, "Couldn't find that release.")
	}
	wantCode(t, st.CreateRelease(ctx, &bera.Release{AppID: "missing"}), bera.ENotFound, "")
}

// assertCurrent checks that exactly release version want is marked current, in the list and
// by Release.
func assertCurrent(t *testing.T, st *store.Store, appID string, want int) {
	t.Helper()
	rels, err := st.ListReleases(t.Context(), appID)
	must(t, err)
	for i, r := range rels {
		if r.Version != i+1 {
			t.Fatalf("ListReleases not oldest first: v%d at %d", r.Version, i)
		}
		if r.Current != (r.Version == want) {
			t.Errorf("v%d Current = %v, want current v%d", r.Version, r.Current, want)
		}
	}
	got, err := st.Release(t.Context(), appID, fmt.Sprint(want))
	must(t, err)
	if !got.Current {
		t.Errorf("Release(%d).Current = false", want)
	}
}
