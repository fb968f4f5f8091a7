package store_test

import (
	"context"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

func TestFailInterrupted(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *store.Store{
		"SQLite":     func(tb testing.TB) *store.Store { return storetest.OpenSQLite(tb) },
		"PostgreSQL": func(tb testing.TB) *store.Store { return storetest.OpenPostgres(tb) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := open(t)
			u := &bera.User{Email: "i@example.com"}
			st.CreateUser(ctx, u)
			app := &bera.App{Name: "halted", OwnerID: u.ID}
			if _, err := st.CreateApp(ctx, app); err != nil {
				t.Fatal(err)
			}
			b := &bera.Build{AppID: app.ID, UserID: u.ID}
			done := &bera.Build{AppID: app.ID, UserID: u.ID, Status: bera.BuildSucceeded}
			st.CreateBuild(ctx, b)
			st.CreateBuild(ctx, done)
			rel := &bera.Release{AppID: app.ID, Status: bera.ReleasePending, UserID: u.ID, Description: "Deploy x"}
			if err := st.CreateRelease(ctx, rel); err != nil {
				t.Fatal(err)
			}
			nb, nr, err := st.FailInterrupted(ctx)
			if err != nil || nb != 1 || nr != 1 {
				t.Fatalf("FailInterrupted = %d, %d, %v; want 1, 1", nb, nr, err)
			}
			got, _ := st.Build(ctx, app.ID, b.ID)
			kept, _ := st.Build(ctx, app.ID, done.ID)
			r, _ := st.Release(ctx, app.ID, rel.ID)
			if got.Status != bera.BuildFailed || kept.Status != bera.BuildSucceeded || r.Status != bera.ReleaseFailed {
				t.Fatalf("after: build %s, finished build %s, release %s", got.Status, kept.Status, r.Status)
			}
		})
	}
}
