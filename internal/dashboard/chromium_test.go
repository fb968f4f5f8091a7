package dashboard_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/events"
)

// TestBrowser_LiveAddons opens the Overview and Resources tabs in Debian's headless
// Chromium and changes the app's add-ons behind them, as the add-ons service does (the
// store, then an addon.changed event on the API's bus): the pages follow over /ws without
// a reload. (A real provider is in e2e's TestDashboard_Browser.)
func TestBrowser_LiveAddons(t *testing.T) {
	e := newEnv(t)
	e.mustUser(t, "owner@example.com", "owner password")
	c := newChromium(t, e.srv.URL)
	c.open("/login")
	c.do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), "owner@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "owner password"))
	c.submit(`form[action="/dashboard/login"] button`)
	c.do("create an app", chromedp.SendKeys(chromedp.CSS("#new-name"), "shop"))
	c.submit(`form[action="/dashboard/apps"] button`)
	appID := e.appID(t, "shop")
	ctx := context.Background()
	publish := func(a *bera.Addon, state string) func() {
		return func() {
			e.bus.Publish(events.Event{AppID: appID, Payload: events.AddonChanged{Addon: a.Name, AddonID: a.ID, Plan: a.Plan, Service: a.Service, State: state}})
		}
	}

	// Overview: an add-on created meanwhile appears.
	c.open("/apps/shop")
	c.waitFor(`document.documentElement.dataset.live === "open"`, nil)
	if got := c.text("#installed-addons"); !strings.Contains(got, "There are no add-ons for this app.") {
		t.Fatalf("add-ons before: %s", got)
	}
	a := &bera.Addon{Name: "redis-shop-12345", AppID: appID, Service: "heroku-redis", Plan: "heroku-redis:premium-0", State: "provisioning"}
	if err := e.st.CreateAddon(ctx, a, &bera.AddonAttachment{AppID: appID, Name: "REDIS"}); err != nil {
		t.Fatal(err)
	}
	c.waitFor(`document.querySelector('#installed-addons li.addon[data-addon="redis-shop-12345"] .state')?.textContent === "provisioning"`, publish(a, events.AddonProvisioning))

	// Resources: its state changes to provisioned.
	c.open("/apps/shop/resources")
	c.waitFor(`document.documentElement.dataset.live === "open"`, nil)
	if err := e.st.SetAddonState(ctx, a.ID, "provisioned", "", "redis://default:secret@127.0.0.1:6379"); err != nil {
		t.Fatal(err)
	}
	c.waitFor(`document.querySelector('#addons li.addon .state')?.textContent === "provisioned"`, publish(a, events.AddonProvisioned))

	// Overview again: destroyed, it goes away.
	c.open("/apps/shop")
	c.waitFor(`document.documentElement.dataset.live === "open"`, nil)
	if err := e.st.DestroyAddon(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	c.waitFor(`document.querySelector("#installed-addons").innerText.includes("There are no add-ons for this app.")`, publish(a, events.AddonDestroyed))
}

// chromium is one headless Chromium tab on the dashboard at base, driven as e2e's
// dashBrowser is.
type chromium struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newChromium(t *testing.T, base string) *chromium {
	t.Helper()
	exe := beratest.Require(t, "chromium", "apt-get install --no-install-recommends chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-component-update", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as the context it ran with.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &chromium{t: t, ctx: ctx, base: base}
}

// do runs actions with a deadline, failing the test with what was being done.
func (c *chromium) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		c.t.Fatalf("%s: %v\npage:\n%s", what, err, c.text("body"))
	}
}

// open loads path and waits for the page.
func (c *chromium) open(path string) {
	c.t.Helper()
	c.do("open "+path, chromedp.Navigate(c.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// submit clicks sel and waits for the page it leads to.
func (c *chromium) submit(sel string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		c.t.Fatalf("click %s: %v\npage:\n%s", sel, err, c.text("body"))
	}
	c.do("load after "+sel, chromedp.WaitReady(chromedp.CSS("main")))
}

// waitFor fails the test unless js becomes true within 20 s. poke, when not nil, runs
// every half second meanwhile (an event may go out before the page's stream subscribed).
func (c *chromium) waitFor(js string, poke func()) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if poke != nil {
			poke()
		}
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(500*time.Millisecond)))
		cancel()
		if err == nil && ok {
			return
		}
	}
	c.t.Fatalf("waited in vain for %s\npage:\n%s", js, c.text("body"))
}

// text returns the visible text of sel ("" when it cannot be read).
func (c *chromium) text(sel string) string {
	ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	return s
}
