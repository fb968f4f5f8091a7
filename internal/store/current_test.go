package store_test

import (
	"context"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func TestCurrentRelease(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u := &bera.User{Email: "c@example.com"}
		st.CreateUser(ctx, u)
		app := &bera.App{Name: "current", OwnerID: u.ID}
		if _, err := st.CreateApp(ctx, app); err != nil {
			t.Fatal(err)
		}
		v2 := &bera.Release{AppID: app.ID, UserID: u.ID, Description: "Deploy a", Config: map[string]string{"K": "v2"}}
		if err := st.CreateRelease(ctx, v2); err != nil {
			t.Fatal(err)
		}
		pending := &bera.Release{AppID: app.ID, UserID: u.ID, Description: "Deploy b", Status: bera.ReleasePending}
		if err := st.CreateRelease(ctx, pending); err != nil {
			t.Fatal(err)
		}
		cur, err := st.CurrentRelease(ctx, app.ID)
		if err != nil || cur.Version != 2 || !cur.Current || cur.Config["K"] != "v2" {
			t.Fatalf("CurrentRelease = %+v, %v; want v2 (v3 is pending)", cur, err)
		}
		if _, err := st.CurrentRelease(ctx, "no-such-app"); bera.ErrorCode(err) != bera.ENotFound {
			t.Fatalf("unknown app: %v", err)
		}
	})
}
