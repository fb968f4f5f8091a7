package storetest

import (
	"maps"
	"slices"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testBuilds(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "builder")
	b1 := &bera.Build{AppID: app.ID, SourceURL: "https://example.com/src.tgz", UserID: u.ID,
		Buildpacks: []string{"heroku/go"}, Stack: bera.DefaultStack}
	must(t, st.CreateBuild(ctx, b1))
	if b1.ID == "" || b1.Status != bera.BuildPending || b1.CreatedAt.IsZero() {
		t.Fatalf("CreateBuild filled %+v", b1)
	}
	b2 := &bera.Build{AppID: app.ID, UserID: u.ID}
	must(t, st.CreateBuild(ctx, b2))

	b1.Status, b1.SlugID, b1.ReleaseID, b1.SourceVersion, b1.OutputStreamURL = bera.BuildSucceeded, "s1", "r1", "abc123", "http://x/out"
	must(t, st.UpdateBuild(ctx, b1))
	got, err := st.Build(ctx, app.ID, b1.ID)
	must(t, err)
	if got.Status != bera.BuildSucceeded || got.SlugID != "s1" || got.ReleaseID != "r1" || got.SourceVersion != "abc123" ||
		got.OutputStreamURL != "http://x/out" || got.UserEmail != u.Email || !slices.Equal(got.Buildpacks, b1.Buildpacks) ||
		got.SourceURL != b1.SourceURL || !got.CreatedAt.Equal(b1.CreatedAt) {
		t.Errorf("Build = %+v", got)
	}
	list, err := st.ListBuilds(ctx, app.ID)
	must(t, err)
	if len(list) != 2 || list[0].ID != b1.ID || list[1].ID != b2.ID {
		t.Errorf("ListBuilds = %d builds, want b1, b2", len(list))
	}
	other := mustApp(t, st, u, "other")
	_, err = st.Build(ctx, other.ID, b1.ID)
	wantCode(t, err, bera.ENotFound, "Couldn't find that build.")
	wantCode(t, st.UpdateBuild(ctx, &bera.Build{ID: "missing"}), bera.ENotFound, "")
	wantCode(t, st.CreateBuild(ctx, &bera.Build{AppID: "missing"}), bera.ENotFound, "")
}

func testSlugs(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	app := mustApp(t, st, u, "slugger")
	sl := &bera.Slug{AppID: app.ID, Checksum: "SHA256:abcd", Size: 1 << 33, Commit: "abc", CommitDescription: "fix",
		ProcessTypes: map[string]string{"web": "npm start"}, BuildpackDesc: "Node.js", Stack: bera.DefaultStack}
	must(t, st.CreateSlug(ctx, sl))
	if sl.ID == "" || sl.CreatedAt.IsZero() {
		t.Fatalf("CreateSlug filled %+v", sl)
	}
	got, err := st.Slug(ctx, sl.ID)
	must(t, err)
	if got.Size != sl.Size || got.Checksum != sl.Checksum || got.Commit != "abc" || got.CommitDescription != "fix" ||
		!maps.Equal(got.ProcessTypes, sl.ProcessTypes) || got.BuildpackDesc != "Node.js" || !got.UpdatedAt.Equal(sl.UpdatedAt) {
		t.Errorf("Slug = %+v", got)
	}
	if got.Image != "" || len(got.Buildpacks) != 0 {
		t.Errorf("a classic slug came back with image %q, buildpacks %q", got.Image, got.Buildpacks)
	}
	// A CNB build's slug records its image and the buildpacks that ran.
	img := &bera.Slug{AppID: app.ID, Checksum: "SHA256:ef01", Image: "sha256:ef01",
		Buildpacks: []string{"bera/go@1.0.0", "bera/procfile@1.0.0"}, ProcessTypes: map[string]string{"web": "bin/web"}}
	must(t, st.CreateSlug(ctx, img))
	got, err = st.Slug(ctx, img.ID)
	must(t, err)
	if got.Image != "sha256:ef01" || !slices.Equal(got.Buildpacks, img.Buildpacks) {
		t.Errorf("image slug = %+v", got)
	}
	// Its releases carry the image, in every read of them.
	must(t, st.CreateRelease(ctx, &bera.Release{AppID: app.ID, SlugID: img.ID, Description: "Deploy"}))
	cur, err := st.CurrentRelease(ctx, app.ID)
	must(t, err)
	rels, err := st.ListReleases(ctx, app.ID)
	must(t, err)
	if last := rels[len(rels)-1]; cur.Image != "sha256:ef01" || last.Image != "sha256:ef01" || rels[0].Image != "" {
		t.Errorf("release of an image slug: current %q, listed %q, first %q", cur.Image, last.Image, rels[0].Image)
	}
	_, err = st.Slug(ctx, "missing")
	wantCode(t, err, bera.ENotFound, "Couldn't find that slug.")
}
