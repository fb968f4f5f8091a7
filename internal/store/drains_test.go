package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// eachDB runs f as a subtest on a fresh SQLite store and a fresh PostgreSQL store.
func eachDB(t *testing.T, f func(t *testing.T, st *store.Store)) {
	t.Run("SQLite", func(t *testing.T) { f(t, storetest.OpenSQLite(t)) })
	t.Run("PostgreSQL", func(t *testing.T) { f(t, storetest.OpenPostgres(t)) })
}

func TestLogDrains(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		{
			ctx := context.Background()
			u := &bera.User{Email: "d@example.com"}
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			app := &bera.App{Name: "drained", OwnerID: u.ID}
			if _, err := st.CreateApp(ctx, app); err != nil {
				t.Fatal(err)
			}
			secretURL := "https://user:s3cret-token@logs.example.com/in"
			d := &bera.LogDrain{AppID: app.ID, URL: secretURL, Token: "d.1"}
			if err := st.CreateLogDrain(ctx, d); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateLogDrain(ctx, &bera.LogDrain{AppID: app.ID, URL: secretURL, Token: "d.2"}); bera.ErrorCode(err) != bera.EInvalid {
				t.Fatalf("duplicate URL: %v, want invalid_params", err)
			}
			var raw string
			st.DB().QueryRow("SELECT url_sealed FROM log_drains").Scan(&raw)
			if raw == "" || bytes.Contains([]byte(raw), []byte("s3cret")) {
				t.Fatalf("drain URL not sealed at rest: %q", raw)
			}
			got, err := st.ListLogDrains(ctx, app.ID)
			if err != nil || len(got) != 1 || got[0].URL != secretURL || got[0].Token != "d.1" {
				t.Fatalf("ListLogDrains = %+v, %v", got, err)
			}
			if err := st.DeleteLogDrain(ctx, app.ID, d.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.DeleteLogDrain(ctx, app.ID, d.ID); bera.ErrorCode(err) != bera.ENotFound {
				t.Fatalf("second delete: %v", err)
			}
			st.CreateLogDrain(ctx, &bera.LogDrain{AppID: app.ID, URL: secretURL, Token: "d.3"})
			if err := st.DeleteApp(ctx, app.ID); err != nil {
				t.Fatal(err)
			}
			if all, _ := st.ListLogDrains(ctx, ""); len(all) != 0 {
				t.Fatalf("drains survive their app: %v", all)
			}
		}
	})
}
