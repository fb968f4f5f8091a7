package source_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// deployFunc is a Deployer that runs a function: the real one needs buildpacks and dynos,
// which the e2e test covers; this test is about what the poller asks it to deploy.
type deployFunc func(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error

func (f deployFunc) Deploy(ctx context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error {
	return f(ctx, app, user, src, out)
}

func TestService_PollOnce(t *testing.T) {
	gs := sourcetest.NewGitServer(t)
	first := gs.Commit(t, "app", "main", map[string]string{"Procfile": "web: x\n"})
	st := storetest.OpenSQLite(t)
	ctx := t.Context()
	owner := &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	app := &bera.App{Name: "polled", OwnerID: owner.ID}
	if _, err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	deployed := make(chan string, 4)
	svc := source.New(source.Config{Store: st, DataDir: t.TempDir(), PublicURL: "http://bera.test", SigningKey: []byte("k"), Fetcher: &source.Fetcher{Policy: source.Policy{AllowPrivate: true}},
		Deployer: deployFunc(func(ctx context.Context, a *bera.App, u *bera.User, src bera.Source, out io.Writer) error {
			if u.ID != owner.ID {
				t.Errorf("deploy by %s, want the owner", u.Email)
			}
			if _, err := os.Stat(src.Dir + "/Procfile"); err != nil {
				t.Errorf("tree not fetched: %v", err)
			}
			deployed <- src.Commit
			return nil
		})})
	t.Cleanup(func() { svc.Close() })
	on, repo, branch := true, gs.RepoURL("app"), "main"
	if _, err := svc.UpdateSettings(ctx, app, bera.AppSourceUpdate{RepoURL: &repo, Branch: &branch, AutoDeploy: &on}); err != nil {
		t.Fatal(err)
	}
	poll := func(want string) {
		t.Helper()
		builds := svc.PollOnce(ctx)
		if want == "" {
			if len(builds) != 0 {
				t.Fatalf("PollOnce started %d builds, want none", len(builds))
			}
			return
		}
		if len(builds) != 1 {
			t.Fatalf("PollOnce started %d builds, want 1", len(builds))
		}
		if got := <-deployed; got != want {
			t.Fatalf("deployed %s, want %s", got, want)
		}
		out, err := svc.Output(ctx, builds[0].ID, tokenOf(builds[0].OutputStreamURL))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(out) // ends once the build has ended and recorded its commit
		out.Close()
	}
	poll(first)
	poll("")
	second := gs.Commit(t, "app", "main", map[string]string{"a.txt": "2"})
	poll(second)
	src, err := st.AppSource(ctx, app.ID)
	if err != nil || src.LastCommit != second {
		t.Errorf("LastCommit=%v %v, want %s", src, err, second)
	}
}

func tokenOf(outputURL string) string {
	for i := len(outputURL) - 1; i >= 0; i-- {
		if outputURL[i] == '=' {
			return outputURL[i+1:]
		}
	}
	return ""
}
