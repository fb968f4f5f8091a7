package source_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/source"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestService_AppQueues: builds of one app run one at a time, and once an app's builds have
// ended the Service holds nothing for it, so its per-app state does not grow with every app
// ever built.
func TestService_AppQueues(t *testing.T) {
	blob := tarball(t, map[string]string{"Procfile": "web: x\n"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(blob) }))
	t.Cleanup(srv.Close)
	st := storetest.OpenSQLite(t)
	ctx := t.Context()
	owner := &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	var apps []*bera.App
	for _, name := range []string{"queued-a", "queued-b", "queued-c"} {
		app := &bera.App{Name: name, OwnerID: owner.ID}
		if _, err := st.CreateApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		apps = append(apps, app)
	}
	var mu sync.Mutex
	running := map[string]int{}
	svc := source.New(source.Config{Store: st, DataDir: t.TempDir(), PublicURL: "http://bera.test", SigningKey: []byte("k"),
		Fetcher: &source.Fetcher{Policy: source.Policy{AllowPrivate: true}},
		Deployer: deployFunc(func(ctx context.Context, a *bera.App, u *bera.User, src bera.Source, out io.Writer) error {
			mu.Lock()
			running[a.ID]++
			if running[a.ID] > 1 {
				t.Errorf("%d builds of %s at once", running[a.ID], a.Name)
			}
			mu.Unlock()
			runtime.Gosched() // leave room for a second build of the app to start
			mu.Lock()
			running[a.ID]--
			mu.Unlock()
			return nil
		})})
	t.Cleanup(func() { svc.Close() })

	var builds []*bera.Build
	for range 4 {
		for _, app := range apps {
			b, err := svc.StartBuild(ctx, app, owner, bera.BuildRequest{Kind: bera.SourceTarball, URL: srv.URL + "/app.tgz"})
			if err != nil {
				t.Fatal(err)
			}
			builds = append(builds, b)
		}
	}
	for _, b := range builds {
		waitBuild(t, svc, b)
	}
	if n := source.AppsTracked(svc); n != 0 {
		t.Errorf("after every build ended, the Service holds queues for %d apps, want 0", n)
	}
	for _, b := range builds {
		got, err := st.Build(ctx, b.AppID, b.ID)
		if err != nil || got.Status == bera.BuildFailed {
			t.Errorf("build %s: %v %v", b.ID, got, err)
		}
	}
}

// waitBuild reads a build's output to its end, which comes once the build has ended.
func waitBuild(t *testing.T, svc *source.Service, b *bera.Build) {
	t.Helper()
	out, err := svc.Output(t.Context(), b.ID, tokenOf(b.OutputStreamURL))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.ReadAll(out); err != nil {
		t.Fatal(err)
	}
}
