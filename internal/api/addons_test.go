package api_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/addons/postgres"
	"github.com/kingvon-ke/bera/internal/addons/redis"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/store/storetest"
	"github.com/kingvon-ke/bera/internal/wire"
)

// newAddonHarness is a harness whose server provisions heroku-redis add-ons with a real
// provider (about 0.1 s each); its instances are stopped when the test ends.
func newAddonHarness(t *testing.T) *harness {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		addonstest.Missing(t, "apt-get install -y redis-server")
	}
	ca, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := redis.New(redis.Config{Root: addonstest.Root(t), Ports: &addons.Ports{}, Box: storetest.NewCipher(t), CA: ca,
		Logger: slog.New(slog.DiscardHandler), Supervisor: supervisor.Config{Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(t.Context()) })
	reg, err := addons.NewRegistry(p)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessWith(t, func(c *api.Config) { c.Addons = reg })
	t.Cleanup(h.srv.Close)
	return h
}

// waitAddon polls the add-on, as addons:create --wait does, until it is no longer
// provisioning.
func (h *harness) waitAddon(app, name string) wire.Addon {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var a wire.Addon
		h.json("GET", "/apps/"+app+"/addons/"+name, "", http.StatusOK, &a, "Accept-Expansion: addon_service,plan")
		if a.State != "provisioning" || time.Now().After(deadline) {
			return a
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// config returns an app's config vars.
func (h *harness) config(app string) map[string]string {
	h.t.Helper()
	var vars map[string]string
	h.json("GET", "/apps/"+app+"/config-vars", "", http.StatusOK, &vars)
	return vars
}

// lastRelease returns the description of the app's newest release.
func (h *harness) lastRelease(app string) wire.Release {
	h.t.Helper()
	var rels []wire.Release
	h.json("GET", "/apps/"+app+"/releases", "", http.StatusPartialContent, &rels, "Range: version ..; max=1, order=desc")
	if len(rels) != 1 {
		h.t.Fatalf("releases of %s: %+v", app, rels)
	}
	return rels[0]
}

// redisPing authenticates with the password of rawURL and sends PING.
func redisPing(t *testing.T, rawURL string) error {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	c, err := net.DialTimeout("tcp", u.Host, 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "AUTH %s\r\nPING\r\n", pw)
	rd := bufio.NewReader(c)
	for _, want := range []string{"+OK", "+PONG"} {
		line, err := rd.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimSpace(line) != want {
			return fmt.Errorf("redis said %q, want %s", line, want)
		}
	}
	return nil
}

func TestAddons_CreateShareDetachDestroy(t *testing.T) {
	h := newAddonHarness(t)
	h.mustApp("cache-app")
	h.mustApp("second-app")

	// addons:create sends the plan as an object and bare flags as true.
	var created wire.Addon
	h.json("POST", "/apps/cache-app/addons", `{"plan":{"name":"heroku-redis"},"config":{"maxmemory_policy":"allkeys-lru"},"attachment":{}}`,
		http.StatusCreated, &created, "x-heroku-legacy-provider-messages: true")
	if created.State != "provisioning" || !strings.HasPrefix(created.Name, "redis-") || created.BilledPrice == nil ||
		created.Plan.Name != "heroku-redis:premium-0" || created.AddonService.HumanName == "" ||
		strings.Join(created.ConfigVars, ",") != "REDIS_URL" || created.BillingEntity.Name != "cache-app" {
		t.Fatalf("created add-on: %+v", created)
	}
	a := h.waitAddon("cache-app", created.Name)
	if a.State != "provisioned" {
		t.Fatalf("add-on state %q (%v), want provisioned", a.State, a.ProvisionMessage)
	}
	redisURL := h.config("cache-app")["REDIS_URL"]
	if err := redisPing(t, redisURL); err != nil {
		t.Fatalf("PING with REDIS_URL: %v", err)
	}
	if rel := h.lastRelease("cache-app"); rel.Description != "Attach REDIS (@ref:"+created.Name+")" ||
		strings.Join(rel.AddonPlanNames, ",") != "heroku-redis:premium-0" {
		t.Fatalf("attach release: %+v", rel)
	}

	// addons:attach to a second app, under a name of the user's.
	var att wire.AddonAttachment
	h.json("POST", "/addon-attachments", `{"addon":{"name":"`+created.Name+`"},"app":{"name":"second-app"},"name":"cache"}`,
		http.StatusCreated, &att)
	if att.Name != "CACHE" || att.App.Name != "second-app" || att.Addon.Plan.Name != "heroku-redis:premium-0" {
		t.Fatalf("attachment: %+v", att)
	}
	if got := h.config("second-app")["CACHE_URL"]; got != redisURL {
		t.Fatalf("second app's CACHE_URL = %q, want the add-on's URL", got)
	}
	var listed []wire.Addon
	h.json("GET", "/apps/second-app/addons", "", http.StatusOK, &listed)
	if len(listed) != 1 || listed[0].ID != created.ID {
		t.Fatalf("second app's add-ons: %+v", listed)
	}
	var resolved []wire.AddonAttachment
	h.json("POST", "/actions/addon-attachments/resolve", `{"addon_attachment":"CACHE_URL","app":"second-app"}`, http.StatusOK, &resolved)
	if len(resolved) != 1 || resolved[0].ID != att.ID {
		t.Fatalf("resolve CACHE_URL: %+v", resolved)
	}
	var addonsFound []wire.Addon
	h.json("POST", "/actions/addons/resolve", `{"addon":"cache-app::REDIS","app":null}`, http.StatusOK, &addonsFound)
	if len(addonsFound) != 1 || addonsFound[0].ID != created.ID {
		t.Fatalf("resolve cache-app::REDIS: %+v", addonsFound)
	}

	// Another user sees nothing of it.
	wantError(t, h.do("GET", "/addons/"+created.Name, h.other, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("DELETE", "/addon-attachments/"+att.ID, h.other, ""), http.StatusNotFound, "not_found")
	var otherList []wire.Addon
	if w := h.do("GET", "/addons", h.other, ""); w.Code != http.StatusOK || strings.Contains(w.Body.String(), created.ID) {
		t.Fatalf("another user's /addons: %d %s %v", w.Code, w.Body, otherList)
	}

	// A member of the second app only cannot pass the add-on on to an app of theirs.
	var outsider map[string]any
	h.json("POST", "/apps/second-app/collaborators", `{"user":"other@example.com"}`, http.StatusCreated, &outsider)
	if w := h.do("POST", "/apps", h.other, `{"name":"outsider-app"}`); w.Code != http.StatusCreated {
		t.Fatalf("create outsider-app: %d %s", w.Code, w.Body)
	}
	wantError(t, h.do("POST", "/addon-attachments", h.other, `{"addon":{"name":"`+created.Name+`"},"app":{"name":"outsider-app"}}`),
		http.StatusForbidden, "forbidden")
	h.json("DELETE", "/apps/second-app/collaborators/other@example.com", "", http.StatusOK, nil)

	// addons:detach.
	h.json("DELETE", "/addon-attachments/"+att.ID, "", http.StatusOK, nil)
	if _, ok := h.config("second-app")["CACHE_URL"]; ok {
		t.Fatal("CACHE_URL survived the detach")
	}
	if rel := h.lastRelease("second-app"); rel.Description != "Detach CACHE (@ref:"+created.Name+")" {
		t.Fatalf("detach release: %+v", rel)
	}
	attachVersion := h.lastRelease("cache-app").Version

	// addons:destroy sends ids.
	var destroyed wire.Addon
	h.json("DELETE", "/apps/"+h.appID("cache-app")+"/addons/"+created.ID, `{"force":false}`, http.StatusOK, &destroyed)
	if destroyed.State != "deprovisioned" {
		t.Fatalf("destroy answered state %q", destroyed.State)
	}
	if _, ok := h.config("cache-app")["REDIS_URL"]; ok {
		t.Fatal("REDIS_URL survived the destroy")
	}
	if err := redisPing(t, redisURL); err == nil {
		t.Fatal("the destroyed add-on's Redis still answers")
	}
	w := h.do("POST", "/actions/addons/resolve", h.key, `{"addon":"`+created.Name+`","app":"cache-app"}`)
	wantError(t, w, http.StatusNotFound, "not_found")
	if !strings.Contains(w.Body.String(), `"resource":"add_on"`) {
		t.Fatalf("resolve 404 without resource add_on: %s", w.Body)
	}

	// A rollback to the release with the destroyed add-on's URL is refused.
	w = h.do("POST", "/apps/cache-app/releases", h.key, fmt.Sprintf(`{"release":"%d"}`, attachVersion))
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	if !strings.Contains(w.Body.String(), created.Name) {
		t.Fatalf("rollback refusal does not name the add-on: %s", w.Body)
	}
}

func TestAddons_NamesAndFailures(t *testing.T) {
	h := newAddonHarness(t)
	h.mustApp("names")

	var first, second, named wire.Addon
	h.json("POST", "/apps/names/addons", `{"plan":"heroku-redis:premium-0"}`, http.StatusCreated, &first)
	h.json("POST", "/apps/names/addons", `{"plan":"heroku-redis","config":{"tls":true}}`, http.StatusCreated, &second)
	h.json("POST", "/apps/names/addons", `{"plan":"heroku-redis","attachment":{"name":"SESSIONS"},"name":"my-sessions"}`, http.StatusCreated, &named)
	if strings.Join(second.ConfigVars, ",") != "HEROKU_REDIS_AMBER_URL" || named.Name != "my-sessions" ||
		strings.Join(named.ConfigVars, ",") != "SESSIONS_URL" {
		t.Fatalf("names: second %v, named %s %v", second.ConfigVars, named.Name, named.ConfigVars)
	}
	for _, a := range []wire.Addon{first, second, named} {
		if got := h.waitAddon("names", a.Name); got.State != "provisioned" {
			t.Fatalf("%s: state %s", a.Name, got.State)
		}
	}
	vars := h.config("names")
	if !strings.HasPrefix(vars["HEROKU_REDIS_AMBER_URL"], "rediss://") || !strings.HasPrefix(vars["REDIS_URL"], "redis://") {
		t.Fatalf("tls=true (a boolean) did not give a rediss:// URL: %v", vars)
	}

	wantError(t, h.do("POST", "/apps/names/addons", h.key, `{"plan":"heroku-redis","name":"my-sessions"}`), http.StatusUnprocessableEntity, "invalid_params")
	wantError(t, h.do("POST", "/apps/names/addons", h.key, `{"plan":"heroku-redis","attachment":{"name":"REDIS"}}`), http.StatusUnprocessableEntity, "invalid_params")
	wantError(t, h.do("POST", "/apps/names/addons", h.key, `{"plan":"heroku-redis:gold"}`), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/apps/names/addons", h.other, `{"plan":"heroku-redis"}`), http.StatusNotFound, "not_found")

	// A provider's refusal ends in deprovisioned with a message, and no config var.
	var bad wire.Addon
	h.json("POST", "/apps/names/addons", `{"plan":"heroku-redis","config":{"maxmemory_policy":"never"}}`, http.StatusCreated, &bad)
	if got := h.waitAddon("names", bad.Name); got.State != "deprovisioned" || got.ProvisionMessage == nil {
		t.Fatalf("bad add-on: %+v", got)
	}
	if _, ok := h.config("names")[bad.ConfigVars[0]]; ok {
		t.Fatalf("%s set for a failed add-on", bad.ConfigVars[0])
	}
	h.json("DELETE", "/addons/"+bad.Name, "", http.StatusOK, nil)

	// Deleting the app destroys its add-ons.
	h.json("DELETE", "/apps/names", "", http.StatusOK, nil)
	var left []wire.Addon
	h.json("GET", "/addons", "", http.StatusOK, &left)
	if len(left) != 0 {
		t.Fatalf("add-ons outlive their app: %+v", left)
	}
	if err := redisPing(t, vars["REDIS_URL"]); err == nil {
		t.Fatal("a deleted app's Redis still answers")
	}
}

func TestAddons_Catalog(t *testing.T) {
	h := newAddonHarness(t)
	var services []wire.AddonService
	h.json("GET", "/addon-services", "", http.StatusOK, &services)
	if len(services) != 1 || services[0].Name != "heroku-redis" || services[0].State != "ga" {
		t.Fatalf("services: %+v", services)
	}
	var plans []wire.AddonPlan
	h.json("GET", "/addon-services/heroku-redis/plans", "", http.StatusOK, &plans)
	if len(plans) == 0 || !plans[0].Default || plans[0].Price.Unit != "month" || !strings.HasPrefix(plans[0].Name, "heroku-redis:") {
		t.Fatalf("plans: %+v", plans)
	}
	wantError(t, h.do("GET", "/addon-services/heroku-kafka", h.key, ""), http.StatusNotFound, "not_found")

	bare := newHarness(t)
	bare.mustApp("no-addons")
	wantError(t, bare.do("POST", "/apps/no-addons/addons", bare.key, `{"plan":"heroku-redis"}`), http.StatusServiceUnavailable, "service_unavailable")
	bare.json("GET", "/addon-services", "", http.StatusOK, &services)
	if len(services) != 0 {
		t.Fatalf("services without a registry: %+v", services)
	}
}

// An add-on a previous server left provisioning is provisioned again by the next one.
func TestAddons_ResumeInterrupted(t *testing.T) {
	h := newAddonHarness(t)
	h.mustApp("resumed")
	a := &bera.Addon{Name: "redis-left-00001", AppID: h.appID("resumed"), Service: "heroku-redis", Plan: "heroku-redis:premium-0"}
	if err := h.st.CreateAddon(t.Context(), a, &bera.AddonAttachment{Name: "REDIS"}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.ResumeAddons(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := h.waitAddon("resumed", a.Name); got.State != "provisioned" {
		t.Fatalf("resumed add-on: %+v", got)
	}
	if err := redisPing(t, h.config("resumed")["REDIS_URL"]); err != nil {
		t.Fatalf("PING the resumed add-on: %v", err)
	}
}

// The first heroku-postgresql of an app is its DATABASE_URL, the next one a colour; both
// are postgres:// URLs that take a query over TLS.
func TestAddons_PostgresNames(t *testing.T) {
	if _, err := postgres.FindBinDir(); err != nil {
		addonstest.Missing(t, "apt-get install -y postgresql")
	}
	ca, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := postgres.New(postgres.Config{Root: addonstest.Root(t), Ports: &addons.Ports{}, Box: storetest.NewCipher(t), CA: ca,
		Logger: slog.New(slog.DiscardHandler), Supervisor: supervisor.Config{Poll: 20 * time.Millisecond, Backoff: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Shutdown(context.WithoutCancel(t.Context())) })
	reg, _ := addons.NewRegistry(p)
	h := newHarnessWith(t, func(c *api.Config) { c.Addons = reg })
	t.Cleanup(h.srv.Close)
	h.mustApp("pg-app")

	var first, second wire.Addon
	h.json("POST", "/apps/pg-app/addons", `{"plan":{"name":"heroku-postgresql:standard-0"}}`, http.StatusCreated, &first)
	h.json("POST", "/apps/pg-app/addons", `{"plan":"heroku-postgresql"}`, http.StatusCreated, &second)
	if first.ConfigVars[0] != "DATABASE_URL" || second.ConfigVars[0] != "HEROKU_POSTGRESQL_AMBER_URL" {
		t.Fatalf("config vars %v and %v", first.ConfigVars, second.ConfigVars)
	}
	for _, a := range []wire.Addon{first, second} {
		if got := h.waitAddon("pg-app", a.Name); got.State != "provisioned" {
			t.Fatalf("%s: %+v", a.Name, got)
		}
	}
	vars := h.config("pg-app")
	for _, name := range []string{"DATABASE_URL", "HEROKU_POSTGRESQL_AMBER_URL"} {
		if !strings.HasPrefix(vars[name], "postgres://") {
			t.Fatalf("%s is not a postgres:// URL", name)
		}
		conn, err := pgx.Connect(t.Context(), vars[name]+"?sslmode=require")
		if err != nil {
			t.Fatalf("connect with %s: %v", name, err)
		}
		var one int
		err = conn.QueryRow(t.Context(), "select 1").Scan(&one)
		conn.Close(t.Context())
		if err != nil || one != 1 {
			t.Fatalf("select 1 with %s: %d, %v", name, one, err)
		}
	}
	// pg:psql and pg:info resolve DATABASE_URL to its attachment, with its plan.
	var atts []wire.AddonAttachment
	h.json("POST", "/actions/addon-attachments/resolve", `{"addon_attachment":"DATABASE_URL","app":"pg-app"}`, http.StatusOK, &atts,
		"Accept-Inclusion: addon:plan,config_vars")
	if len(atts) != 1 || atts[0].Addon.ID != first.ID || atts[0].Addon.Plan.Name != "heroku-postgresql:standard-0" || atts[0].Namespace != nil {
		t.Fatalf("resolve DATABASE_URL: %+v", atts)
	}
	wantError(t, h.do("POST", "/actions/addon-attachments/resolve", h.key, `{"addon_attachment":"NOPE","app":"pg-app"}`), http.StatusNotFound, "not_found")
}
