package e2e_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

// TestDashboard_Browser drives the dashboard in Debian's headless Chromium, as a user would:
// sign in, create an app, deploy it, scale it, set a config var and see the release, roll
// back, see a release appear live, add and remove a collaborator, be refused as a
// non-collaborator, and delete the app. Every page is screenshotted at
// desktop and phone width into $BERA_SCREENSHOTS (default e2e/screenshots/).
func TestDashboard_Browser(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "git", "apt-get install git")
	beratest.Require(t, "python3", "apt-get install python3")
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	const password = "dashboard test password"
	gs := sourcetest.NewGitServer(t)
	gs.Commit(t, "web", "main", sampleFiles(t, "procfile-hello"))
	// Add-on instances run as uids of their own, which must reach DATA/addons.
	env := beratest.NewWith(t, beratest.Options{DataDir: filepath.Dir(addonstest.Root(t)),
		Env: []string{"BERA_ADMIN_PASSWORD=" + password}, Args: []string{"--allow-private-sources"}})
	env.CreateUser(t, "friend@example.com", "friend password")
	b := newDashBrowser(t, env.APIURL)

	// Signed out, the dashboard sends the browser to the sign-in page.
	b.open("/apps")
	b.shot("login")
	b.fill("#email", "admin@localhost")
	b.fill("#password", password)
	b.submit(`form[action="/dashboard/login"] button`)
	b.see("main", "Personal apps", "You have no apps yet.")
	b.shot("apps-empty")

	b.fill("#new-name", "dash-shop")
	b.submit(`form[action="/dashboard/apps"] button`)
	b.see("main", "Created dash-shop.", "Dyno formation", "Initial release")

	dir := env.SampleApp(t, "procfile-hello", "dash-shop")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s", err, out)
	}
	b.open("/apps/dash-shop")
	b.see("#formation", "web", "python3 server.py", "standard-1X × 1")
	b.see("#latest-activity", "v2", "Deploy")
	b.shot("overview")

	// More → View logs: a request to the app shows its router line live; filters, and a
	// pause that is still on after a reload.
	b.do("open More", chromedp.Click(chromedp.CSS(".more summary")))
	b.submit(`.more a[href="/apps/dash-shop/logs"]`)
	b.see("#logs", "Application Logs")
	b.waitFor(`document.documentElement.dataset.logs === "open"`)
	logged := false
	for i := 0; !logged && i < 5; i++ {
		path := fmt.Sprintf("/from-the-log-view-%d", i)
		env.Get(t, "dash-shop", path)
		logged = b.poll(fmt.Sprintf(`document.querySelector("#log-lines").innerText.includes('heroku[router]:') && document.querySelector("#log-lines").innerText.includes('path="%s"')`, path), 5*time.Second)
	}
	if !logged {
		t.Fatalf("the router line of a request did not appear live:\n%s", b.text("#log-lines"))
	}
	b.shot("logs")
	b.do("show app lines only", chromedp.Evaluate[chromedp.Void](`{const s = document.querySelector("#log-source"); s.value = "app"; s.dispatchEvent(new Event("change"))}`))
	b.waitFor(`!document.querySelector("#log-lines").innerText.includes("heroku[router]") && document.querySelector("#log-lines").innerText.includes("app[")`)
	b.fill("#log-search", "no line has this text")
	b.waitFor(`document.querySelector("#log-lines").childElementCount === 0`)
	b.do("pause", chromedp.Click(chromedp.CSS("#log-follow")))
	b.open("/apps/dash-shop/logs")
	b.waitFor(`document.querySelector("#log-follow").textContent === "Follow" && document.querySelector("#log-follow").getAttribute("aria-pressed") === "false"`)
	b.see("#log-status", "Paused")
	b.do("follow", chromedp.Click(chromedp.CSS("#log-follow")))
	b.waitFor(`document.querySelector("#log-lines").innerText.includes("heroku[router]:")`)

	// 5,000 lines at once (a detached one-off's output): the view shows at most 2,000 and
	// stays responsive; the time to show the last line, to filter, and the page's memory are
	// logged as the view's benchmark.
	b.do("start the clock", chromedp.Evaluate[chromedp.Void](`window.beraT0 = performance.now()`))
	env.MustBera(t, "run:detached", "-a", "dash-shop", "--", "seq", "1", "5000")
	const lastLine = `[...document.querySelectorAll("#log-lines .logline")].some((e) => e.textContent.endsWith("]: 5000"))`
	b.waitFor(lastLine)
	type logPerf struct{ Shown, Heap, Filter, Lines float64 }
	perf := evalJS[logPerf](b, "measure the log view", `(() => {
		const shown = performance.now() - window.beraT0;
		const box = document.querySelector("#log-lines"), search = document.querySelector("#log-search");
		const t = performance.now();
		search.value = "]: 4999";
		search.dispatchEvent(new Event("input"));
		const filter = performance.now() - t;
		const r = { Shown: shown, Heap: performance.memory ? performance.memory.usedJSHeapSize : 0, Filter: filter, Lines: box.childElementCount };
		search.value = "";
		search.dispatchEvent(new Event("input"));
		return r;
	})()`)
	t.Logf("log view with 5,000 new lines: last line shown after %.0f ms, filtering took %.1f ms, JS heap %.1f MB",
		perf.Shown, perf.Filter, perf.Heap/(1<<20))
	if perf.Lines != 1 || perf.Filter > 1000 {
		t.Errorf("filtering 5,000 lines for one: %v lines in %.0f ms, want 1 line within a second", perf.Lines, perf.Filter)
	}
	if n := b.count("#log-lines .logline"); n > 2000 {
		t.Errorf("the log view shows %d lines, want at most 2,000", n)
	}

	b.open("/apps")
	b.see("#app-list", "dash-shop", "just now", "Running")
	b.shot("apps")

	// Scale web to 2: the form asks to confirm first.
	b.open("/apps/dash-shop/resources")
	b.shot("resources")
	b.fill("#qty-web", "2")
	b.submit(`li[data-type="web"] button`)
	b.see("#confirm", "Scale web from 1 to 2 standard-1X dynos?")
	b.shot("resources-confirm")
	b.submit(`#confirm button[type="submit"]`)
	b.see("main", "Scaled web to 2.")
	if got := b.value("#qty-web"); got != "2" {
		t.Fatalf("web quantity after scaling = %q, want 2", got)
	}

	// More → Restart all dynos, confirmed.
	b.do("open More", chromedp.Click(chromedp.CSS(".more summary")))
	b.submit(`.more button`)
	b.see("#confirm-restart", "Restart every dyno of dash-shop?")
	b.shot("restart-confirm")
	b.submit(`#confirm-restart button[type="submit"]`)
	b.see("main", "Restarting all dynos of dash-shop.")

	// A config var: hidden until revealed; setting it makes v3.
	b.open("/apps/dash-shop/settings")
	b.see("#config-vars", "Reveal Config Vars")
	b.shot("settings")
	b.submit(`#config-vars a.button`)
	b.fill("#new-key", "GREETING")
	b.fill("#new-value", "hello from the dashboard")
	b.submit(`form.addvar button`)
	b.see("main", "Set GREETING.")
	if got := b.value("#val-GREETING"); got != "hello from the dashboard" {
		t.Fatalf("GREETING shows %q", got)
	}
	b.shot("settings-revealed")
	b.open("/apps/dash-shop/activity")
	b.see("#activity", "v3", "Set GREETING config vars", "admin@localhost")
	b.shot("activity")

	// Roll back to v2, confirmed: v4 has no GREETING.
	b.submit(`li[data-release] button[aria-label="Roll back to v2"]`)
	b.see("#confirm", "Roll back to v2")
	b.submit(`#confirm button[type="submit"]`)
	b.see("main", "Rolled back: created v4.", "Rollback to v2")
	b.open("/apps/dash-shop/settings?reveal=config")
	b.dontSee("#config-vars", "GREETING")

	// Live: a release made elsewhere appears on the open Activity page without a reload.
	b.open("/apps/dash-shop/activity")
	b.do("mark the page", chromedp.Evaluate[chromedp.Void](`window.beraMark = "not reloaded"`))
	b.waitFor(`document.documentElement.dataset.live === "open"`)
	// The stream subscribes just after it opens: set config vars until one shows.
	seen := false
	for i := 0; !seen && i < 5; i++ {
		env.MustBera(t, "config:set", fmt.Sprintf("LIVE=%d", i), "-a", "dash-shop")
		seen = b.poll(`document.querySelector("#activity").innerText.includes("Set LIVE config vars")`, 5*time.Second)
	}
	if !seen {
		t.Fatalf("the release of config:set did not appear live:\n%s", b.text("#activity"))
	}
	if !b.poll(`window.beraMark === "not reloaded"`, time.Second) {
		t.Fatal("the page reloaded instead of updating in place")
	}
	b.shot("activity-live")

	// Access: add and remove a collaborator.
	b.open("/apps/dash-shop/access")
	b.fill("#collab-email", "friend@example.com")
	b.submit(`form[action="/dashboard/apps/dash-shop/collaborators"] button`)
	b.see("#collaborators", "friend@example.com", "Collaborator")
	b.shot("access")
	b.submit(`button[aria-label="Remove friend@example.com"]`)
	b.see("main", "Removed friend@example.com.")
	b.dontSee("#collaborators", "friend@example.com")

	// Someone who is not a collaborator sees neither the app nor its pages (their direct
	// posts are refused too: see internal/dashboard's TestNonCollaborator).
	b.submit(`form[action="/dashboard/logout"] button`)
	b.fill("#email", "friend@example.com")
	b.fill("#password", "friend password")
	b.submit(`form[action="/dashboard/login"] button`)
	b.dontSee("main", "dash-shop")
	b.open("/apps/dash-shop/settings?reveal=config")
	b.see("main", "Not found", "Couldn't find that app.")
	b.shot("error")
	b.submit(`form[action="/dashboard/logout"] button`)
	b.fill("#email", "admin@localhost")
	b.fill("#password", password+"\n") // Enter submits the form
	b.do("sign in with Enter", chromedp.WaitVisible(chromedp.CSS("#app-list")))

	b.open("/apps/dash-shop/deploy")
	b.see("#git", "git remote add bera", "dash-shop.git")
	b.see("#source", "No repository is connected.")
	b.shot("deploy")

	// Connect a Git URL served on loopback, turn on automatic deploys, deploy the branch and
	// watch its build log stream.
	b.fill("#repo-url", gs.RepoURL("web"))
	b.fill("#repo-branch", "main")
	b.submit(`form[action="/dashboard/apps/dash-shop/source"] button`)
	b.see("#source", "Connected to "+gs.RepoURL("web")+", branch main.", "Automatic deploys are off.")
	b.submit(`form[action="/dashboard/apps/dash-shop/source/auto-deploy"] button`)
	b.see("main", "Automatic deploys are on.", "every push to main deploys")
	b.submit(`form[action="/dashboard/apps/dash-shop/builds"] button`)
	b.see("#build", "Build log")
	b.waitFor(`document.querySelector("#build-log").textContent.includes("----->")`)
	b.shot("deploy-build")
	b.waitFor(`document.querySelector("#build").dataset.done === "true"`)
	b.see("#build-status", "Build finished.")
	b.see("#build-log", "-----> Cloning")
	// Activity lists the builds next to the releases; the newest one's log opens from there.
	b.open("/apps/dash-shop/activity")
	b.see("#builds", "succeeded", "admin@localhost")
	if n := b.count("#builds li.build"); n != 2 {
		t.Errorf("Activity shows %d builds, want 2 (the push and the branch deploy)", n)
	}
	b.shot("activity-builds")
	b.submit(`#builds li.build a`)
	b.waitFor(`document.querySelector("#build").dataset.done === "true"`)
	b.see("#build-log", "-----> Cloning")
	b.open("/apps/dash-shop/metrics")
	b.see("#metrics", "Response Time", "Throughput", "Memory Usage", "Dyno Load", "Restarts and Errors")
	// The log view's requests are in the rollups: counted, and the response time is drawn.
	b.waitFor(`/: [1-9][0-9]* requests?\./.test(document.querySelector("#metrics .help").innerText) && document.querySelector("#chart-response-time polyline") !== null`)
	b.shot("metrics")

	// More → Run console: `echo hi` in a one-off dyno, in a terminal in the page.
	b.open("/apps/dash-shop/console")
	b.fill("#console-command", "echo hi")
	b.submit(`form[action="/dashboard/apps/dash-shop/console"] button`)
	b.waitFor(`document.querySelector("#console").dataset.exited !== undefined`)
	b.see("#console-status", "Process exited with status 0.")
	b.waitFor(`document.querySelector("#terminal .xterm-rows").innerText.includes("hi")`)
	b.shot("console")

	// Settings: the .env bulk editor, maintenance mode, a custom domain.
	b.open("/apps/dash-shop/settings?reveal=config")
	b.do("open the bulk editor", chromedp.Click(chromedp.CSS("#bulk-editor summary")))
	b.fill("#bulk-env", "BULK_A=1\nBULK_B=\"two words\"\n")
	b.shot("settings-bulk")
	b.submit(`form[action="/dashboard/apps/dash-shop/config-vars/bulk"] button`)
	b.see("main", "Updated config vars: 2 set, 0 removed.")
	if got := b.value("#val-BULK_B"); got != "two words" {
		t.Fatalf("BULK_B shows %q", got)
	}
	b.submit(`#maintenance button`)
	b.see("#maintenance", "Maintenance mode is on.")
	if code, _ := env.Get(t, "dash-shop", "/"); code != 503 {
		t.Errorf("the app in maintenance answered %d, want 503", code)
	}
	b.submit(`#maintenance button`)
	b.see("#maintenance", "Maintenance mode is off.")
	b.fill("#new-domain", "www.dash-shop.test")
	b.submit(`form[action="/dashboard/apps/dash-shop/domains"] button`)
	b.see("#domains", "www.dash-shop.test")
	b.shot("settings-domains")
	b.submit(`button[aria-label="Remove www.dash-shop.test"]`)
	b.see("main", "Removed www.dash-shop.test.")
	b.dontSee("#domains", "www.dash-shop.test")

	// Resources → Add-ons: add a Heroku Key-Value Store, see it provisioned on Resources and
	// on the Overview, then remove it (confirmed).
	b.open("/apps/dash-shop/resources")
	b.see("#addons", "There are no add-ons for this app.")
	b.do("choose a plan", chromedp.Evaluate[chromedp.Void](`document.querySelector("#addon-plan").value = "heroku-redis:premium-0"`))
	b.submit(`form[action="/dashboard/apps/dash-shop/addons"] button`)
	b.see("main", "Added redis-", "heroku-redis:premium-0")
	created := false
	for i := 0; !created && i < 30; i++ {
		b.open("/apps/dash-shop/resources")
		created = b.poll(`document.querySelector("#addons li.addon .state")?.textContent === "provisioned"`, 2*time.Second)
	}
	if !created {
		t.Fatalf("the add-on was not provisioned:\n%s\nserver: %s", b.text("#addons"), env.Stderr.String())
	}
	b.see("#addons", "Heroku Key-Value Store", "heroku-redis:premium-0", "provisioned")
	b.shot("resources-addons")
	b.open("/apps/dash-shop")
	b.see("#installed-addons", "Heroku Key-Value Store", "heroku-redis:premium-0", "provisioned", "as REDIS_URL")
	b.shot("overview-addons")
	b.open("/apps/dash-shop/resources")
	b.submit(`#addons button[aria-label^="Remove redis-"]`)
	b.see("#confirm-addon", "Its data is destroyed")
	b.shot("resources-addon-confirm")
	b.submit(`#confirm-addon button[type="submit"]`)
	b.see("main", "Removed redis-")
	b.see("#addons", "There are no add-ons for this app.")

	// Delete: the typed name must match.
	b.open("/apps/dash-shop/settings")
	b.fill("#delete-confirm", "dash-shop")
	b.submit(`#delete button`)
	b.see("main", "Deleted dash-shop.", "You have no apps yet.")
	b.submit(`form[action="/dashboard/logout"] button`)
	b.see("main", "Log in to your account")
}

// dashBrowser is one headless Chromium tab on the dashboard at base.
type dashBrowser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string // the screenshot folder
}

func newDashBrowser(t *testing.T, base string) *dashBrowser {
	t.Helper()
	exe := beratest.Require(t, "chromium", "apt-get install --no-install-recommends chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	shots := os.Getenv("BERA_SCREENSHOTS")
	if shots == "" {
		shots = "screenshots"
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	// The first action starts the browser, which lives as long as the context it ran
	// with: so not one of the per-action timeouts.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return &dashBrowser{t: t, ctx: ctx, base: base, shots: shots}
}

// do runs actions with a deadline, failing the test with what was being done.
func (b *dashBrowser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v\npage:\n%s", what, err, b.text("body"))
	}
}

// open loads path and waits for the page.
func (b *dashBrowser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// fill types v into the empty field sel.
func (b *dashBrowser) fill(sel, v string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), v))
}

// submit clicks sel and waits for the page it leads to.
func (b *dashBrowser) submit(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("click %s: %v\npage:\n%s", sel, err, b.text("body"))
	}
	b.do("load after "+sel, chromedp.WaitReady(chromedp.CSS("main")))
}

// poll reports whether the JavaScript expression js became true within d.
func (b *dashBrowser) poll(js string, d time.Duration) bool {
	ctx, cancel := context.WithTimeout(b.ctx, d+5*time.Second)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(d)))
	return err == nil && ok
}

// waitFor fails the test unless js becomes true within 20 s.
func (b *dashBrowser) waitFor(js string) {
	b.t.Helper()
	if !b.poll(js, 20*time.Second) {
		b.t.Fatalf("waited in vain for %s\npage:\n%s", js, b.text("body"))
	}
}

// text returns the visible text of sel ("" when it cannot be read).
func (b *dashBrowser) text(sel string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	return s
}

// count returns how many elements match sel.
func (b *dashBrowser) count(sel string) int {
	b.t.Helper()
	return evalJS[int](b, "count "+sel, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// evalJS returns the value of the JavaScript expression js, failing the test with what.
func evalJS[T any](b *dashBrowser, what, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// value returns the value of the input sel.
func (b *dashBrowser) value(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// see fails unless sel shows every want.
func (b *dashBrowser) see(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.t.Fatalf("%s does not show %q; it shows:\n%s", sel, w, got)
		}
	}
}

// dontSee fails if sel shows bad.
func (b *dashBrowser) dontSee(sel, bad string) {
	b.t.Helper()
	if got := b.text(sel); strings.Contains(got, bad) {
		b.t.Fatalf("%s still shows %q:\n%s", sel, bad, got)
	}
}

// shot writes screenshots of the page at desktop (1280×800) and phone (390×844) width.
func (b *dashBrowser) shot(name string) {
	b.t.Helper()
	for _, size := range []struct {
		suffix string
		w, h   int64
		opts   []chromedp.EmulateViewportOption
	}{
		{"desktop", 1280, 800, nil},
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateScale(1)}},
	} {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h, size.opts...))
		var png []byte
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
		}
		cancel()
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(b.shots, fmt.Sprintf("%s-%s.png", name, size.suffix))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
	b.do("reset the viewport", chromedp.EmulateViewport(1280, 800))
}
