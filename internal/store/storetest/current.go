package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/store"
)

// testListCurrent: ListCurrent gives each app's newest succeeded release, its config and
// its formation, for all apps or one, and matches the per-app reads it replaces.
func testListCurrent(t *testing.T, st *store.Store) {
	ctx := t.Context()
	u := mustUser(t, st, "u@example.com")
	web := mustApp(t, st, u, "web-app")
	must(t, st.SetProcessTypes(ctx, web.ID, map[string]string{"web": "serve", "worker": "work"}))
	sl := &bera.Slug{AppID: web.ID}
	must(t, st.CreateSlug(ctx, sl))
	v2 := &bera.Release{AppID: web.ID, Description: "Deploy", SlugID: sl.ID, Config: map[string]string{"MODE": "good"}, UserID: u.ID}
	must(t, st.CreateRelease(ctx, v2))
	// A newer release that failed is not current.
	must(t, st.CreateRelease(ctx, &bera.Release{AppID: web.ID, Description: "Bad", Status: bera.ReleaseFailed, SlugID: sl.ID}))
	_, err := st.UpdateApp(ctx, web.ID, bera.AppUpdate{BootTimeout: ptr(90)})
	must(t, err)
	bare := mustApp(t, st, u, "bare-app") // v1 only, no formation

	all, err := st.ListCurrent(ctx, "")
	must(t, err)
	got := map[string]string{}
	for i, c := range all {
		if i > 0 && all[i-1].AppID >= c.AppID {
			t.Errorf("ListCurrent not ordered by app id: %s before %s", all[i-1].AppID, c.AppID)
		}
		got[c.AppID] = describeCurrent(c)
	}
	want := map[string]string{
		web.ID:  fmt.Sprintf("boot=90 v2 slug=%s MODE=good current=true [web=1:serve worker=0:work]", sl.ID),
		bare.ID: "boot=0 v1 slug= MODE= current=true []",
	}
	if len(got) != len(want) || got[web.ID] != want[web.ID] || got[bare.ID] != want[bare.ID] {
		t.Errorf("ListCurrent(\"\") =\n%v\nwant\n%v", got, want)
	}

	one, err := st.ListCurrent(ctx, web.ID)
	must(t, err)
	if len(one) != 1 || describeCurrent(one[0]) != want[web.ID] {
		t.Errorf("ListCurrent(web) = %v", one)
	}
	// It agrees with the single-app reads.
	cur, err := st.CurrentRelease(ctx, web.ID)
	must(t, err)
	if r := one[0].Release; r.ID != cur.ID || r.Version != cur.Version || r.UserEmail != cur.UserEmail || !r.CreatedAt.Equal(cur.CreatedAt) {
		t.Errorf("ListCurrent's release %+v, CurrentRelease %+v", r, cur)
	}
	forms, err := st.ListFormation(ctx, web.ID)
	must(t, err)
	for i, f := range one[0].Formation {
		if *f != *forms[i] {
			t.Errorf("ListCurrent's formation %+v, ListFormation %+v", f, forms[i])
		}
	}

	none, err := st.ListCurrent(ctx, "missing")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("ListCurrent(missing) = %v, want none", none)
	}
	must(t, st.DeleteApp(ctx, web.ID))
	all, err = st.ListCurrent(ctx, "")
	must(t, err)
	if len(all) != 1 || all[0].AppID != bare.ID {
		t.Errorf("ListCurrent after deleting web-app = %v, want bare-app only", all)
	}
}

// describeCurrent is "boot=N vN slug=ID MODE=x current=b [type=qty:command ...]".
func describeCurrent(c *bera.Current) string {
	var forms []string
	for _, f := range c.Formation {
		if f.AppID != c.AppID {
			forms = append(forms, "foreign:"+f.AppID)
		}
		forms = append(forms, fmt.Sprintf("%s=%d:%s", f.Type, f.Quantity, f.Command))
	}
	r := c.Release
	return fmt.Sprintf("boot=%d v%d slug=%s MODE=%s current=%t [%s]", c.BootTimeout, r.Version, r.SlugID, r.Config["MODE"], r.Current, strings.Join(forms, " "))
}
