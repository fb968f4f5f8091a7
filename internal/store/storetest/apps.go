package storetest

import (
	"slices"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testCreateApp(t *testing.T, st *store.Store) {
	ctx := t.Context()
	owner := mustUser(t, st, "owner@example.com")
	app := &bera.App{Name: "calm-river", OwnerID: owner.ID, Region: bera.DefaultRegion,
		Stack: bera.DefaultStack, BuildStack: bera.DefaultStack, Buildpacks: []string{"heroku/nodejs"}}
	v1, err := st.CreateApp(ctx, app)
	must(t, err)
	if app.ID == "" || app.CreatedAt.IsZero() || app.ReleasedAt == nil {
		t.Fatalf("CreateApp did not fill the app: %+v", app)
	}
	if v1.Version != 1 || v1.Description != "Initial release" || v1.Status != bera.ReleaseSucceeded ||
		v1.UserID != owner.ID || len(v1.Config) != 0 || v1.Config == nil {
		t.Errorf("v1 = %+v", v1)
	}
	for _, key := range []string{app.ID, app.Name} {
		got, err := st.App(ctx, key)
		must(t, err)
		if got.ID != app.ID || got.OwnerEmail != owner.Email || got.Stack != bera.DefaultStack ||
			!slices.Equal(got.Buildpacks, app.Buildpacks) || !got.CreatedAt.Equal(app.CreatedAt) || got.ReleasedAt == nil {
			t.Errorf("App(%s) = %+v", key, got)
		}
	}
	role, err := st.Role(ctx, app.ID, owner.ID)
	if err != nil || role != bera.RoleOwner {
		t.Errorf("Role(owner) = %q, %v", role, err)
	}
	_, err = st.CreateApp(ctx, &bera.App{Name: "calm-river", OwnerID: owner.ID})
	wantCode(t, err, bera.EInvalid, "Name is already taken")
	if r := bera.ErrorResource(err); r != "app" {
		t.Errorf("resource = %q, want app", r)
	}
	_, err = st.App(ctx, "missing")
	wantCode(t, err, bera.ENotFound, "Couldn't find that app.")
}

func testListApps(t *testing.T, st *store.Store) {
	ctx := t.Context()
	ann, bob, cat := mustUser(t, st, "ann@example.com"), mustUser(t, st, "bob@example.com"), mustUser(t, st, "cat@example.com")
	mustApp(t, st, ann, "zeta")
	alpha := mustApp(t, st, ann, "alpha")
	mustApp(t, st, bob, "bobs")
	_, err := st.AddCollaborator(ctx, alpha.ID, bob.ID)
	must(t, err)
	tests := []struct {
		user string
		want []string
	}{
		{ann.ID, []string{"alpha", "zeta"}},
		{bob.ID, []string{"alpha", "bobs"}},
		{cat.ID, []string{}},
		{"", []string{"alpha", "bobs", "zeta"}},
	}
	for _, tt := range tests {
		apps, err := st.ListApps(ctx, tt.user)
		must(t, err)
		got := []string{}
		for _, a := range apps {
			got = append(got, a.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ListApps(%s) = %v, want %v", tt.user, got, tt.want)
		}
	}
	apps, _ := st.ListApps(ctx, bob.ID)
	if apps[0].OwnerEmail != ann.Email {
		t.Errorf("OwnerEmail = %q, want %q", apps[0].OwnerEmail, ann.Email)
	}
}

func testUpdateApp(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "first")
	mustApp(t, st, u, "taken")
	bps := []string{"https://example.com/bp.tgz"}
	got, err := st.UpdateApp(ctx, app.ID, bera.AppUpdate{Name: ptr("second"), Maintenance: ptr(true), Buildpacks: &bps})
	must(t, err)
	if got.Name != "second" || !got.Maintenance || !slices.Equal(got.Buildpacks, bps) || got.BuildStack != bera.DefaultStack {
		t.Errorf("UpdateApp = %+v", got)
	}
	read, err := st.App(ctx, "second")
	must(t, err)
	if read.ID != app.ID || !read.Maintenance || !slices.Equal(read.Buildpacks, bps) || !read.UpdatedAt.Equal(got.UpdatedAt) {
		t.Errorf("App after update = %+v", read)
	}
	_, err = st.UpdateApp(ctx, app.ID, bera.AppUpdate{Name: ptr("taken")})
	wantCode(t, err, bera.EInvalid, "Name is already taken")
	_, err = st.UpdateApp(ctx, "missing", bera.AppUpdate{})
	wantCode(t, err, bera.ENotFound, "")
}

func testDeleteAppCascades(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u, c := mustUser(t, st, "u@example.com"), mustUser(t, st, "c@example.com")
	app := mustApp(t, st, u, "doomed")
	keep := mustApp(t, st, u, "kept")
	_, err := st.AddCollaborator(ctx, app.ID, c.ID)
	must(t, err)
	_, _, err = st.UpdateConfigVars(ctx, app.ID, u.ID, []bera.ConfigChange{{Key: "A", Value: ptr("1")}})
	must(t, err)
	must(t, st.SetProcessTypes(ctx, app.ID, map[string]string{"web": "npm start"}))
	must(t, st.SetAppFeature(ctx, app.ID, "preboot", true))
	must(t, st.CreateSlug(ctx, &bera.Slug{AppID: app.ID}))
	must(t, st.CreateBuild(ctx, &bera.Build{AppID: app.ID, UserID: u.ID}))

	must(t, st.DeleteApp(ctx, app.ID))
	wantCode(t, st.DeleteApp(ctx, app.ID), bera.ENotFound, "Couldn't find that app.")
	for _, table := range []string{"collaborators", "app_config", "releases", "formations", "app_features", "builds", "slugs"} {
		var n int
		must(t, st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE app_id = '"+app.ID+"'").Scan(&n))
		if n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
	if _, err := st.App(ctx, keep.ID); err != nil {
		t.Errorf("other app gone: %v", err)
	}
}

func testCollaborators(t *testing.T, st *store.Store) {
	ctx := t.Context()
	owner, c, stranger := mustUser(t, st, "o@example.com"), mustUser(t, st, "c@example.com"), mustUser(t, st, "s@example.com")
	app := mustApp(t, st, owner, "team")
	added, err := st.AddCollaborator(ctx, app.ID, c.ID)
	must(t, err)
	if added.ID == "" || added.Role != bera.RoleCollaborator || added.UserEmail != c.Email || added.CreatedAt.IsZero() {
		t.Errorf("AddCollaborator = %+v", added)
	}
	_, err = st.AddCollaborator(ctx, app.ID, c.ID)
	wantCode(t, err, bera.EInvalid, "User is already a collaborator on app.")
	_, err = st.AddCollaborator(ctx, app.ID, "missing")
	wantCode(t, err, bera.ENotFound, "")

	list, err := st.ListCollaborators(ctx, app.ID)
	must(t, err)
	if len(list) != 2 || list[0].UserID != owner.ID || list[0].Role != bera.RoleOwner || list[1].UserEmail != c.Email {
		t.Fatalf("ListCollaborators = %+v", list)
	}
	role, err := st.Role(ctx, app.ID, c.ID)
	if err != nil || role != bera.RoleCollaborator {
		t.Errorf("Role(collaborator) = %q, %v", role, err)
	}
	_, err = st.Role(ctx, app.ID, stranger.ID)
	wantCode(t, err, bera.ENotFound, "Couldn't find that app.")

	wantCode(t, st.RemoveCollaborator(ctx, app.ID, owner.ID), bera.EForbidden, "The owner cannot be removed.")
	wantCode(t, st.RemoveCollaborator(ctx, app.ID, stranger.ID), bera.ENotFound, "Couldn't find that collaborator.")
	must(t, st.RemoveCollaborator(ctx, app.ID, c.ID))
	_, err = st.Role(ctx, app.ID, c.ID)
	wantCode(t, err, bera.ENotFound, "")
}
