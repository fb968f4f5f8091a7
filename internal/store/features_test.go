package store_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestAppsWithFeature lists the apps with a feature on, on both databases: enabled rows
// only, maintenance from the apps themselves, deleted apps gone.
func TestAppsWithFeature(t *testing.T) {
	for name, open := range map[string]func(*testing.T) *store.Store{
		"sqlite":   func(t *testing.T) *store.Store { return storetest.OpenSQLite(t) },
		"postgres": func(t *testing.T) *store.Store { return storetest.OpenPostgres(t) },
	} {
		t.Run(name, func(t *testing.T) { testAppsWithFeature(t, open(t)) })
	}
}

func testAppsWithFeature(t *testing.T, st *store.Store) {
	ctx := t.Context()
	a, b, c := mustApp(t, st, "feat-a"), mustApp(t, st, "feat-b"), mustApp(t, st, "feat-c")
	for _, set := range []struct {
		app *bera.App
		on  bool
	}{{a, true}, {b, true}, {c, false}} {
		if err := st.SetAppFeature(ctx, set.app.ID, "http-to-https", set.on); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SetAppFeature(ctx, c.ID, "maintenance", true); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteApp(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		feature string
		want    []string
	}{
		{"http-to-https", []string{a.ID}},
		{"maintenance", []string{c.ID}},
		{"preboot", nil},
	} {
		got, err := st.AppsWithFeature(ctx, tc.feature)
		sort.Strings(tc.want)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("AppsWithFeature(%s) = %v, %v; want %v", tc.feature, got, err, tc.want)
		}
	}
	if _, err := st.AppsWithFeature(ctx, "no-such-feature"); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("unknown feature: %v, want %s", err, bera.ENotFound)
	}
}
