package storetest

import (
	"net/netip"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

func testSpaces(t *testing.T, st *store.Store) {
	ctx := t.Context()
	ann, bob := mustUser(t, st, "ann@example.com"), mustUser(t, st, "bob@example.com")
	a := &bera.Space{Name: "team-a", OwnerID: ann.ID}
	must(t, st.CreateSpace(ctx, a))
	if a.ID == "" || a.CIDR != netip.MustParsePrefix("10.1.0.0/16") {
		t.Fatalf("first space = %+v, want 10.1.0.0/16", a)
	}
	b := &bera.Space{Name: "team-b", OwnerID: bob.ID}
	must(t, st.CreateSpace(ctx, b))
	if b.CIDR != netip.MustParsePrefix("10.2.0.0/16") {
		t.Errorf("second space got %s, want the next free network 10.2.0.0/16", b.CIDR)
	}
	wantCode(t, st.CreateSpace(ctx, &bera.Space{Name: "team-a", OwnerID: bob.ID}), bera.EInvalid, "Name team-a is already taken.")
	wantCode(t, st.CreateSpace(ctx, &bera.Space{Name: "team-c", OwnerID: bob.ID, CIDR: netip.MustParsePrefix("10.1.4.0/24")}),
		bera.EInvalid, "CIDR 10.1.4.0/24 overlaps another space's network.")

	got, err := st.Space(ctx, "team-a")
	must(t, err)
	if got.ID != a.ID || got.OwnerEmail != ann.Email || got.CIDR != a.CIDR {
		t.Errorf("Space(team-a) = %+v", got)
	}
	_, err = st.Space(ctx, "nope")
	wantCode(t, err, bera.ENotFound, "")

	app := &bera.App{Name: "in-space", OwnerID: ann.ID, SpaceID: a.ID, InternalRouting: true}
	_, err = st.CreateApp(ctx, app)
	must(t, err)
	back, err := st.App(ctx, app.ID)
	must(t, err)
	if back.SpaceID != a.ID || back.SpaceName != "team-a" || !back.InternalRouting {
		t.Errorf("app in space read back as %+v", back)
	}
	plain := mustApp(t, st, ann, "common-app")
	if back, _ := st.App(ctx, plain.ID); back.SpaceID != "" || back.InternalRouting {
		t.Errorf("app outside spaces read back as %+v", back)
	}
	// Bob collaborates on an app in team-a, so he sees the space; ann sees only hers.
	_, err = st.AddCollaborator(ctx, app.ID, bob.ID)
	must(t, err)
	names := func(userID string) []string {
		list, err := st.ListSpaces(ctx, userID)
		must(t, err)
		var out []string
		for _, sp := range list {
			out = append(out, sp.Name)
		}
		return out
	}
	if got := names(ann.ID); len(got) != 1 || got[0] != "team-a" {
		t.Errorf("ann's spaces = %v", got)
	}
	if got := names(bob.ID); len(got) != 2 {
		t.Errorf("bob's spaces = %v, want team-a and team-b", got)
	}
	apps, err := st.SpaceApps(ctx, a.ID)
	must(t, err)
	if len(apps) != 1 || apps[app.ID] != "in-space" {
		t.Errorf("SpaceApps = %v", apps)
	}
	wantCode(t, st.DeleteSpace(ctx, a.ID), bera.EConflict, "The space still has 1 app(s); destroy them first.")
	must(t, st.DeleteApp(ctx, app.ID))
	must(t, st.DeleteSpace(ctx, a.ID))
	wantCode(t, st.DeleteSpace(ctx, a.ID), bera.ENotFound, "")
}
