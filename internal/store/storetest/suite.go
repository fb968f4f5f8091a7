package storetest

import (
	"context"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

// Opener returns a new, empty store that is closed when t ends.
type Opener func(t *testing.T) *store.Store

// Run runs the behaviour suite against the stores open returns; each subtest gets a fresh one.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *store.Store)
	}{
		{"Migrations", testMigrations},
		{"Users", testUsers},
		{"APIKeys", testAPIKeys},
		{"CreateApp", testCreateApp},
		{"ListApps", testListApps},
		{"UpdateApp", testUpdateApp},
		{"DeleteAppCascades", testDeleteAppCascades},
		{"Collaborators", testCollaborators},
		{"ConfigVars", testConfigVars},
		{"ConfigSealedAtRest", testConfigSealedAtRest},
		{"ConcurrentConfigUpdates", testConcurrentConfigUpdates},
		{"Releases", testReleases},
		{"WriteRelease", testWriteRelease},
		{"WriteReleaseAtomic", testWriteReleaseAtomic},
		{"SucceedRelease", testSucceedRelease},
		{"SetProcessTypes", testSetProcessTypes},
		{"UpdateFormation", testUpdateFormation},
		{"OwnerDynos", testOwnerDynos},
		{"ListCurrent", testListCurrent},
		{"AppFeatures", testAppFeatures},
		{"Builds", testBuilds},
		{"Slugs", testSlugs},
		{"Addons", testAddons},
		{"Spaces", testSpaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// mustUser creates a user with the given email.
func mustUser(t *testing.T, st *store.Store, email string) *bera.User {
	t.Helper()
	u := &bera.User{Email: email, Name: "Test User"}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// mustApp creates an app owned by owner.
func mustApp(t *testing.T, st *store.Store, owner *bera.User, name string) *bera.App {
	t.Helper()
	app := &bera.App{Name: name, OwnerID: owner.ID, Region: bera.DefaultRegion, Stack: bera.DefaultStack, BuildStack: bera.DefaultStack}
	if _, err := st.CreateApp(t.Context(), app); err != nil {
		t.Fatalf("CreateApp(%s): %v", name, err)
	}
	return app
}

// wantCode fails the test unless err carries the bera error code (and message when set).
func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	if got := bera.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if msg != "" && bera.ErrorMessage(err) != msg {
		t.Fatalf("error message = %q, want %q", bera.ErrorMessage(err), msg)
	}
}

// must fails the test on err.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func testMigrations(t *testing.T, st *store.Store) {
	ctx := context.Background()
	var n int
	must(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n))
	if n < 1 {
		t.Fatalf("schema_migrations has %d rows, want at least 1", n)
	}
	for _, table := range []string{"users", "api_keys", "apps", "collaborators", "app_config", "releases",
		"formations", "app_features", "builds", "slugs", "addons", "addon_attachments"} {
		if _, err := st.DB().ExecContext(ctx, "SELECT COUNT(*) FROM "+table); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	if d := st.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q", d)
	}
}
