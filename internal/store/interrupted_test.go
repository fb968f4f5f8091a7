package store_test

import (
	"context"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func TestFailInterrupted(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		{
			ctx := context.Background()
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
		}
	})
}
