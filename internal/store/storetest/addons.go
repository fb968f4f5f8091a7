package storetest

import (
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testAddons(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "addons@example.com")
	app := mustApp(t, st, u, "with-addons")
	other := mustApp(t, st, u, "sharer")
	secretURL := "redis://:s3cret-pass@127.0.0.1:7001"

	a := &bera.Addon{Name: "redis-curved-12345", AppID: app.ID, Service: "heroku-redis", Plan: "heroku-redis:mini"}
	att := &bera.AddonAttachment{Name: "REDIS"}
	must(t, st.CreateAddon(ctx, a, att))
	if a.ID == "" || a.State != bera.AddonProvisioning || att.AddonID != a.ID || att.AppID != app.ID {
		t.Fatalf("CreateAddon filled %+v, %+v", a, att)
	}
	wantCode(t, st.CreateAddon(ctx, &bera.Addon{Name: a.Name, AppID: app.ID, Service: "heroku-redis", Plan: "heroku-redis:mini"},
		&bera.AddonAttachment{Name: "OTHER"}), bera.EInvalid, "Name redis-curved-12345 is already taken by another add-on.")
	wantCode(t, st.CreateAddon(ctx, &bera.Addon{Name: "redis-two", AppID: app.ID, Service: "heroku-redis", Plan: "heroku-redis:mini"},
		&bera.AddonAttachment{Name: "REDIS"}), bera.EInvalid, "")
	if list, _ := st.ListAddons(ctx, app.ID); len(list) != 1 {
		t.Fatalf("a refused add-on was kept: %d add-ons", len(list))
	}

	must(t, st.SetAddonState(ctx, a.ID, bera.AddonProvisioned, "", secretURL))
	var raw string
	must(t, st.DB().QueryRowContext(ctx, "SELECT url_sealed FROM addons WHERE id = '"+a.ID+"'").Scan(&raw))
	if raw == "" || strings.Contains(raw, "s3cret") {
		t.Fatalf("add-on URL not sealed at rest: %q", raw)
	}
	for _, key := range []string{a.ID, a.Name} {
		got, err := st.Addon(ctx, key)
		if err != nil || got.URL != secretURL || got.State != bera.AddonProvisioned || got.AppName != app.Name {
			t.Fatalf("Addon(%s) = %+v, %v", key, got, err)
		}
	}
	wantCode(t, func() error { _, err := st.Addon(ctx, "nope"); return err }(), bera.ENotFound, "Couldn't find that add-on.")

	shared := &bera.AddonAttachment{AddonID: a.ID, AppID: other.ID, Name: "CACHE"}
	must(t, st.CreateAttachment(ctx, shared))
	wantCode(t, st.CreateAttachment(ctx, &bera.AddonAttachment{AddonID: a.ID, AppID: other.ID, Name: "CACHE"}), bera.EInvalid, "")
	byAddon, err := st.ListAttachments(ctx, "", a.ID)
	if err != nil || len(byAddon) != 2 || byAddon[0].Name != "REDIS" || byAddon[1].AppName != "sharer" {
		t.Fatalf("attachments of the add-on = %+v, %v", byAddon, err)
	}
	byApp, _ := st.ListAttachments(ctx, other.ID, "")
	if len(byApp) != 1 || byApp[0].ID != shared.ID || byApp[0].ConfigVar() != "CACHE_URL" {
		t.Fatalf("attachments of the other app = %+v", byApp)
	}
	must(t, st.DeleteAttachment(ctx, shared.ID))
	wantCode(t, st.DeleteAttachment(ctx, shared.ID), bera.ENotFound, "")

	// A rotation retires the URL: the add-on answers only to the new one.
	rotatedURL := "redis://:n3w-pass@127.0.0.1:7001"
	if name, err := st.RotatedAddonName(ctx, []string{secretURL}); err != nil || name != "" {
		t.Fatalf("RotatedAddonName before any rotation = %q, %v", name, err)
	}
	must(t, st.RotateAddonURL(ctx, a.ID, rotatedURL))
	wantCode(t, st.RotateAddonURL(ctx, "nope", rotatedURL), bera.ENotFound, "")
	if got, _ := st.Addon(ctx, a.ID); got.URL != rotatedURL || got.State != bera.AddonProvisioned {
		t.Fatalf("after RotateAddonURL: %+v", got)
	}
	if name, err := st.RotatedAddonName(ctx, []string{"postgres://x", secretURL}); err != nil || name != a.Name {
		t.Fatalf("RotatedAddonName of the old URL = %q, %v", name, err)
	}
	if name, _ := st.RotatedAddonName(ctx, []string{rotatedURL}); name != "" {
		t.Fatalf("the current URL counted as retired: %q", name)
	}

	if name, _ := st.DestroyedAddonName(ctx, []string{secretURL, rotatedURL}); name != "" {
		t.Fatalf("a live add-on counted as destroyed: %q", name)
	}
	must(t, st.DestroyAddon(ctx, a.ID))
	wantCode(t, st.DestroyAddon(ctx, a.ID), bera.ENotFound, "")
	// Both its last URL and the one retired before are a destroyed add-on's.
	for _, u := range []string{rotatedURL, secretURL} {
		if name, err := st.DestroyedAddonName(ctx, []string{"postgres://x", u}); err != nil || name != a.Name {
			t.Fatalf("DestroyedAddonName = %q, %v", name, err)
		}
	}
	if name, _ := st.RotatedAddonName(ctx, []string{secretURL}); name != "" {
		t.Fatalf("a destroyed add-on counted as rotated: %q", name)
	}
	if left, _ := st.ListAttachments(ctx, "", a.ID); len(left) != 0 {
		t.Fatalf("attachments outlive their add-on: %+v", left)
	}
	if list, _ := st.ListAddons(ctx, ""); len(list) != 0 {
		t.Fatalf("a destroyed add-on is listed: %+v", list)
	}
	// The name is free again, and an app's deletion takes its add-ons with it.
	must(t, st.CreateAddon(ctx, &bera.Addon{Name: a.Name, AppID: app.ID, Service: "heroku-redis", Plan: "heroku-redis:mini"},
		&bera.AddonAttachment{Name: "REDIS"}))
	must(t, st.DeleteApp(ctx, app.ID))
	if list, _ := st.ListAddons(ctx, ""); len(list) != 0 {
		t.Fatalf("add-ons outlive their app: %+v", list)
	}
}
