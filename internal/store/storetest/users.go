package storetest

import (
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testUsers(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "Ada@Example.com")
	if u.ID == "" || u.CreatedAt.IsZero() || u.UpdatedAt.IsZero() {
		t.Fatalf("CreateUser did not fill ID and timestamps: %+v", u)
	}
	err := st.CreateUser(ctx, &bera.User{Email: "ada@example.COM"})
	wantCode(t, err, bera.EInvalid, "That email is already taken.")

	for _, key := range []string{u.ID, "ada@example.com", "ADA@EXAMPLE.COM"} {
		got, err := st.User(ctx, key)
		if err != nil {
			t.Fatalf("User(%q): %v", key, err)
		}
		if got.ID != u.ID || got.Email != u.Email || got.Name != u.Name || !got.CreatedAt.Equal(u.CreatedAt) || got.LastLogin != nil {
			t.Errorf("User(%q) = %+v, want %+v", key, got, u)
		}
	}
	_, err = st.User(ctx, "nobody@example.com")
	wantCode(t, err, bera.ENotFound, "Couldn't find that user.")

	mustUser(t, st, "bob@example.com")
	n, err := st.CountUsers(ctx)
	if err != nil || n != 2 {
		t.Errorf("CountUsers() = %d, %v; want 2", n, err)
	}
	must(t, st.TouchUserLogin(ctx, u.ID))
	got, err := st.User(ctx, u.ID)
	must(t, err)
	if got.LastLogin == nil {
		t.Error("LastLogin not set by TouchUserLogin")
	}
	wantCode(t, st.TouchUserLogin(ctx, "missing"), bera.ENotFound, "")
}

func testAPIKeys(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "keys@example.com")
	other := mustUser(t, st, "other@example.com")
	past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	keys := []*bera.APIKey{
		{UserID: u.ID, Hash: "h1", Description: "laptop"},
		{UserID: u.ID, Hash: "h2", ExpiresAt: &future},
		{UserID: u.ID, Hash: "h3", ExpiresAt: &past},
	}
	for _, k := range keys {
		must(t, st.CreateAPIKey(ctx, k))
		if k.ID == "" || k.CreatedAt.IsZero() {
			t.Fatalf("CreateAPIKey did not fill ID and CreatedAt: %+v", k)
		}
	}
	for _, hash := range []string{"h1", "h2"} {
		gu, gk, err := st.UserByAPIKeyHash(ctx, hash)
		if err != nil {
			t.Fatalf("UserByAPIKeyHash(%s): %v", hash, err)
		}
		if gu.ID != u.ID || gk.Hash != hash {
			t.Errorf("UserByAPIKeyHash(%s) = %s, %s", hash, gu.ID, gk.Hash)
		}
	}
	for _, hash := range []string{"h3", "nope"} {
		_, _, err := st.UserByAPIKeyHash(ctx, hash)
		wantCode(t, err, bera.ENotFound, "Couldn't find that api_key.")
	}
	list, err := st.ListAPIKeys(ctx, u.ID)
	must(t, err)
	if len(list) != 3 || list[0].ID != keys[0].ID || list[0].Description != "laptop" || list[2].ID != keys[2].ID {
		t.Fatalf("ListAPIKeys = %d keys, want 3 oldest first", len(list))
	}
	wantCode(t, st.DeleteAPIKey(ctx, other.ID, keys[0].ID), bera.ENotFound, "")
	must(t, st.DeleteAPIKey(ctx, u.ID, keys[0].ID))
	wantCode(t, st.DeleteAPIKey(ctx, u.ID, keys[0].ID), bera.ENotFound, "")
	_, _, err = st.UserByAPIKeyHash(ctx, "h1")
	wantCode(t, err, bera.ENotFound, "")
}
