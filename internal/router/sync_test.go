package router_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/router"
	"github.com/kingvon-ke/bera/internal/store"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// dynoSet stands in for the reconciler's memory: the up web dynos of each app.
type dynoSet struct {
	mu sync.Mutex // guards up
	up map[string][]router.Backend
}

func (d *dynoSet) set(appID string, bs ...router.Backend) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.up[appID] = bs
}

func (d *dynoSet) backends(appID string) ([]router.Backend, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.up[appID]), false
}

// pausedStore is the real store whose ListApps, once armed, reports that it began and
// waits to be let go: a full rebuild held between its reads and its write.
type pausedStore struct {
	*store.Store
	mu    sync.Mutex // guards began, release
	began chan struct{}
	let   chan struct{}
}

// arm makes the next ListApps pause; it returns the channel closed when it begins and the
// one to close to let it go on.
func (p *pausedStore) arm() (began, let chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.began, p.let = make(chan struct{}), make(chan struct{})
	return p.began, p.let
}

func (p *pausedStore) ListApps(ctx context.Context, userID string) ([]*bera.App, error) {
	apps, err := p.Store.ListApps(ctx, userID)
	p.mu.Lock()
	began, let := p.began, p.let
	p.began, p.let = nil, nil
	p.mu.Unlock()
	if began != nil {
		close(began)
		<-let
	}
	return apps, err
}

// syncEnv is a Syncer over a real SQLite store and a router.
type syncEnv struct {
	st     *store.Store
	dynos  *dynoSet
	router *router.Router
	sync   *router.Syncer
	owner  *bera.User
}

func newSyncEnv(t *testing.T, apps router.Apps, st *store.Store, adopted <-chan struct{}) *syncEnv {
	t.Helper()
	e := &syncEnv{st: st, dynos: &dynoSet{up: map[string][]router.Backend{}}, router: router.New(router.Config{})}
	e.owner = &bera.User{Email: "owner@example.com"}
	if err := st.CreateUser(t.Context(), e.owner); err != nil {
		t.Fatal(err)
	}
	e.sync = router.NewSyncer(router.SyncConfig{Router: e.router, Apps: apps, Backends: e.dynos.backends,
		Domain: "bera.test", Adopted: adopted})
	return e
}

// start runs the Syncer until the test ends and waits for its first table.
func (e *syncEnv) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.sync.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	<-e.sync.Ready()
}

func (e *syncEnv) createApp(t *testing.T, name string) *bera.App {
	t.Helper()
	app := &bera.App{Name: name, OwnerID: e.owner.ID, Region: bera.DefaultRegion, Stack: bera.DefaultStack, BuildStack: bera.DefaultStack}
	if _, err := e.st.CreateApp(t.Context(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

// route returns the route serving host, and whether there is one.
func (e *syncEnv) route(host string) (router.Route, bool) { return e.router.Table().Lookup(host) }

func dynoNames(rt router.Route) []string {
	var out []string
	for _, b := range rt.Backends {
		out = append(out, b.Dyno)
	}
	return out
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// TestSyncer_StopDuringRebuild races a dyno stop against a full rebuild whose reads began
// while the dyno was up: the rebuild must not put the stopped dyno back, and Drain must
// still wait for the request it is serving.
func TestSyncer_StopDuringRebuild(t *testing.T) {
	st := storetest.OpenSQLite(t)
	paused := &pausedStore{Store: st}
	adopted := make(chan struct{})
	close(adopted)
	e := newSyncEnv(t, paused, st, adopted)
	app := e.createApp(t, "racer")

	inFlight, finish := make(chan struct{}), make(chan struct{})
	var finishOnce sync.Once
	web1 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(inFlight)
		<-finish
		io.WriteString(w, "web.1")
	}))
	defer web1.Close()
	web2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "web.2") }))
	defer web2.Close()
	b1 := router.Backend{Dyno: "web.1", Addr: web1.Listener.Addr().String()}
	b2 := router.Backend{Dyno: "web.2", Addr: web2.Listener.Addr().String()}
	e.dynos.set(app.ID, b1)
	e.start(t)

	front := httptest.NewServer(e.router)
	defer front.Close()
	// Let web.1's request end before the servers close, also when the test fails.
	defer finishOnce.Do(func() { close(finish) })
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", front.URL, nil)
		req.Host = "racer.bera.test"
		res, err := front.Client().Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		got <- string(b)
	}()
	<-inFlight

	// A rebuild reads the store while web.1 is up...
	began, let := paused.arm()
	e.sync.Resync()
	<-began
	// ...web.1 stops (the reconciler takes it out, then drains it)...
	e.dynos.set(app.ID, b2)
	e.sync.DynosChanged(app.ID)
	// ...and the rebuild writes its table.
	next, letNext := paused.arm()
	close(let)
	e.sync.Resync()
	<-next // the first rebuild has finished
	close(letNext)

	rt, ok := e.route("racer.bera.test")
	if want := []string{"web.2"}; !ok || !slices.Equal(dynoNames(rt), want) {
		t.Fatalf("after the rebuild, dynos %v (route %v), want %v", dynoNames(rt), ok, want)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.router.Drain(cancelled, b1.Addr); err == nil {
		t.Error("Drain(web.1) returned while its request is in flight")
	}
	finishOnce.Do(func() { close(finish) })
	if err := e.router.Drain(t.Context(), b1.Addr); err != nil {
		t.Errorf("Drain(web.1) after its request: %v", err)
	}
	if body := <-got; body != "web.1" {
		t.Errorf("the in-flight request got %q, want web.1's answer", body)
	}
}

// TestSyncer_Changes follows an app through the changes the API reports: created, a
// custom domain, maintenance, renamed, the domain removed, deleted; and its dynos, which
// reach the table at once.
func TestSyncer_Changes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		adopted := make(chan struct{})
		e := newSyncEnv(t, st, st, adopted)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.sync.Run(ctx)
		e.createApp(t, "early")
		synctest.Wait()
		if closed(e.sync.Ready()) {
			t.Fatal("Ready before the dynos were adopted")
		}
		close(adopted)
		<-e.sync.Ready()
		if _, ok := e.route("early.bera.test"); !ok {
			t.Fatal("the first table has no route for an existing app")
		}

		app := e.createApp(t, "shop")
		e.sync.AppChanged(app.ID)
		synctest.Wait()
		if _, ok := e.route("shop.bera.test"); !ok {
			t.Fatal("no route for a new app")
		}
		if err := st.CreateDomain(t.Context(), &bera.Domain{AppID: app.ID, Hostname: "www.shop.example"}); err != nil {
			t.Fatal(err)
		}
		e.sync.AppChanged(app.ID)
		synctest.Wait()
		if rt, ok := e.route("www.shop.example"); !ok || rt.AppID != app.ID {
			t.Fatalf("custom domain: %+v %v", rt, ok)
		}

		e.dynos.set(app.ID, router.Backend{Dyno: "web.1", Addr: "127.0.0.1:1"})
		e.sync.DynosChanged(app.ID) // no waiting: from memory
		if rt, _ := e.route("www.shop.example"); !slices.Equal(dynoNames(rt), []string{"web.1"}) {
			t.Fatalf("dynos after DynosChanged: %v", dynoNames(rt))
		}

		on, name := true, "store"
		if _, err := st.UpdateApp(t.Context(), app.ID, bera.AppUpdate{Maintenance: &on, Name: &name}); err != nil {
			t.Fatal(err)
		}
		e.sync.AppChanged(app.ID)
		synctest.Wait()
		if _, ok := e.route("shop.bera.test"); ok {
			t.Error("the old name still routes after a rename")
		}
		rt, ok := e.route("store.bera.test")
		if !ok || !rt.Maintenance || rt.AppName != "store" || !slices.Equal(dynoNames(rt), []string{"web.1"}) {
			t.Errorf("after rename and maintenance: %+v %v", rt, ok)
		}

		if err := st.DeleteDomain(t.Context(), app.ID, "www.shop.example"); err != nil {
			t.Fatal(err)
		}
		e.sync.AppChanged(app.ID)
		synctest.Wait()
		if _, ok := e.route("www.shop.example"); ok {
			t.Error("a removed domain still routes")
		}

		if err := st.DeleteApp(t.Context(), app.ID); err != nil {
			t.Fatal(err)
		}
		e.sync.AppChanged(app.ID)
		synctest.Wait()
		if _, ok := e.route("store.bera.test"); ok {
			t.Error("a deleted app still routes")
		}
		// Its dynos stopping later do not bring it back.
		e.dynos.set(app.ID)
		e.sync.DynosChanged(app.ID)
		synctest.Wait()
		if rts := e.router.Table().Routes(); len(rts) != 1 || rts[0].AppName != "early" {
			t.Errorf("routes after delete: %+v", rts)
		}
	})
}

// TestSyncer_Resync picks up a change nobody reported (made through another server) at
// the next full resync, and not before.
func TestSyncer_Resync(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		adopted := make(chan struct{})
		close(adopted)
		e := newSyncEnv(t, st, st, adopted)
		app := e.createApp(t, "quiet")
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.sync.Run(ctx)
		<-e.sync.Ready()

		name := "renamed"
		if _, err := st.UpdateApp(t.Context(), app.ID, bera.AppUpdate{Name: &name}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(29 * time.Second)
		synctest.Wait()
		if _, ok := e.route("quiet.bera.test"); !ok {
			t.Fatal("the table changed before the resync")
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if _, ok := e.route("renamed.bera.test"); !ok {
			t.Error("the resync did not pick up the rename")
		}
	})
}

// TestSyncer_DomainMoves moves a custom domain from one app to another and reports only the
// app that gained it: its route cannot take a host the other still holds, so the Syncer
// rebuilds the whole table, which gives the domain to its new app.
func TestSyncer_DomainMoves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		adopted := make(chan struct{})
		close(adopted)
		e := newSyncEnv(t, st, st, adopted)
		from, to := e.createApp(t, "from"), e.createApp(t, "to")
		if err := st.CreateDomain(t.Context(), &bera.Domain{AppID: from.ID, Hostname: "www.moving.example"}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go e.sync.Run(ctx)
		<-e.sync.Ready()

		if err := st.DeleteDomain(t.Context(), from.ID, "www.moving.example"); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateDomain(t.Context(), &bera.Domain{AppID: to.ID, Hostname: "www.moving.example"}); err != nil {
			t.Fatal(err)
		}
		e.sync.AppChanged(to.ID)
		synctest.Wait()
		if rt, ok := e.route("www.moving.example"); !ok || rt.AppID != to.ID {
			t.Errorf("www.moving.example routes to %q (%v), want %q", rt.AppName, ok, "to")
		}
	})
}
