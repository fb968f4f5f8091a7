package store_test

import (
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

func TestAppSource(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{
		"sqlite": storetest.OpenSQLite, "postgres": storetest.OpenPostgres,
	} {
		t.Run(name, func(t *testing.T) { testAppSource(t, open(t)) })
	}
}

func testAppSource(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustCreateUser(t, st, "src@example.com")
	app := &bera.App{Name: "src-app", OwnerID: u.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppSource(ctx, app.ID); bera.ErrorCode(err) != bera.ENotFound {
		t.Fatalf("AppSource before put: err=%v, want not_found", err)
	}
	if err := st.PutAppSource(ctx, &bera.AppSource{AppID: "nope"}); bera.ErrorCode(err) != bera.ENotFound {
		t.Fatalf("PutAppSource of a missing app: err=%v, want not_found", err)
	}
	src := &bera.AppSource{AppID: app.ID, RepoURL: "https://example.com/a.git", Branch: "main",
		AutoDeploy: true, WaitForCI: true, GitHubRepo: "Owner/Repo", WebhookSecret: "s3cret"}
	if err := st.PutAppSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := st.DB().QueryRowContext(ctx, "SELECT webhook_secret FROM app_sources").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if raw == "s3cret" || raw == "" {
		t.Errorf("webhook secret stored as %q, want sealed", raw)
	}
	last, pending := "abc", "def"
	if err := st.SetSourceCommits(ctx, app.ID, &last, &pending); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSourceCommits(ctx, app.ID, nil, new(string)); err != nil {
		t.Fatal(err)
	}
	got, err := st.AppSource(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.WebhookSecret != "s3cret" || got.LastCommit != "abc" || got.PendingCommit != "" || !got.WaitForCI || got.Branch != "main" {
		t.Errorf("AppSource=%+v", got)
	}
	byRepo, err := st.AppSourcesByGitHubRepo(ctx, "owner/repo")
	if err != nil || len(byRepo) != 1 || byRepo[0].AppID != app.ID {
		t.Errorf("AppSourcesByGitHubRepo=%v, %v; want the app", byRepo, err)
	}
	auto, err := st.AutoDeploySources(ctx)
	if err != nil || len(auto) != 1 {
		t.Errorf("AutoDeploySources=%v, %v; want 1", auto, err)
	}
	if err := st.SetSourceCommits(ctx, "nope", &last, nil); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("SetSourceCommits of a missing source: err=%v, want not_found", err)
	}
	if err := st.DeleteApp(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AppSource(ctx, app.ID); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("AppSource after app delete: err=%v, want not_found", err)
	}
}
