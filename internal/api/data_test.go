package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/addons/postgres"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
	"github.com/kingvon-ke/bera/internal/api"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/slug/slugfs"
	"github.com/kingvon-ke/bera/internal/store/storetest"
	"github.com/kingvon-ke/bera/internal/wire"
)

// newPostgresHarnessWith is a harness whose server provisions heroku-postgresql add-ons
// with a real provider (a dedicated instance takes about 2 s), stopped when the test ends;
// configure, when not nil, changes the server's Config.
func newPostgresHarnessWith(t *testing.T, configure func(*api.Config)) *harness {
	t.Helper()
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
	h := newHarnessWith(t, func(c *api.Config) {
		c.Addons = reg
		if configure != nil {
			configure(c)
		}
	})
	t.Cleanup(h.srv.Close)
	return h
}

// pgSelect1 connects with rawURL over TLS and runs select 1.
func pgSelect1(t *testing.T, rawURL string) error {
	t.Helper()
	var one int
	return pgQuery(t, rawURL, "select 1", &one)
}

// pgQuery runs sql over TLS with rawURL and scans its one row into dest (none: exec).
func pgQuery(t *testing.T, rawURL, sql string, dest ...any) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, rawURL+"?sslmode=require")
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if len(dest) == 0 {
		_, err = conn.Exec(ctx, sql)
		return err
	}
	return conn.QueryRow(ctx, sql).Scan(dest...)
}

func rowValue(rows []wire.DataInfoRow, name string) string {
	i := slices.IndexFunc(rows, func(r wire.DataInfoRow) bool { return r.Name == name })
	if i < 0 {
		return ""
	}
	return strings.Join(rows[i].Values, " ")
}

// pg:info, pg:credentials and pg:credentials:rotate through the data API, with Basic auth
// as the CLI sends it on /postgres/v0: the rotated password reaches DATABASE_URL in a
// release and the old one is refused.
func TestData_Postgres(t *testing.T) {
	backups, dumps, withBackups := backupConfig(t)
	h := newPostgresHarnessWith(t, withBackups)
	h.mustApp("pg-data")
	var a wire.Addon
	h.json("POST", "/apps/pg-data/addons", `{"plan":"heroku-postgresql"}`, http.StatusCreated, &a)
	if got := h.waitAddon("pg-data", a.Name); got.State != "provisioned" {
		t.Fatalf("%+v", got)
	}
	old := h.config("pg-data")["DATABASE_URL"]

	var db wire.PGDatabase
	h.json("GET", "/client/v11/databases/"+a.ID, "", http.StatusOK, &db)
	if db.ResourceURL != old {
		t.Errorf("resource_url is not the app's DATABASE_URL")
	}
	if v := rowValue(db.Info, "PG Version"); v == "" || v[0] < '1' || v[0] > '9' {
		t.Errorf("PG Version %q in %+v", v, db.Info)
	}
	if v := rowValue(db.Info, "Connections"); !strings.Contains(v, "/") {
		t.Errorf("Connections %q", v)
	}
	if rowValue(db.Info, "Tables") != "0" || rowValue(db.Info, "Data Size") == "" || rowValue(db.Info, "Created") == "" {
		t.Errorf("info %+v", db.Info)
	}
	// Another user cannot see it; a name works as well as an id.
	wantError(t, h.do("GET", "/client/v11/databases/"+a.ID, h.other, ""), http.StatusNotFound, "not_found")
	h.json("GET", "/client/v11/databases/"+a.Name, "", http.StatusOK, nil)
	wantError(t, h.do("GET", "/redis/v0/databases/"+a.ID, h.key, ""), http.StatusNotFound, "not_found")

	basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+h.key))
	var creds []wire.PGCredential
	h.json("GET", "/postgres/v0/databases/"+a.ID+"/credentials", "", http.StatusOK, &creds, basic)
	if len(creds) != 1 || creds[0].Name != "default" || creds[0].State != "active" || creds[0].Credentials[0].Password != "" {
		t.Fatalf("credentials %+v", creds)
	}
	var url wire.PGCredential
	h.json("GET", "/postgres/v0/databases/"+a.Name+"/credentials/default", "", http.StatusOK, &url, basic)
	if url.Credentials[0].Password == "" || !strings.Contains(old, ":"+url.Credentials[0].Password+"@") {
		t.Errorf("pg:credentials:url gives another password than DATABASE_URL's")
	}

	h.json("POST", "/postgres/v0/databases/"+a.Name+"/credentials/default/credentials_rotation", `{"forced":true}`, http.StatusOK, nil, basic)
	now := h.config("pg-data")["DATABASE_URL"]
	if now == old || !strings.HasPrefix(now, "postgres://") {
		t.Fatalf("DATABASE_URL unchanged or not postgres:// after rotation")
	}
	if d := h.lastRelease("pg-data").Description; !strings.Contains(d, "credential rotation") {
		t.Errorf("last release %q", d)
	}
	if err := pgSelect1(t, now); err != nil {
		t.Errorf("new DATABASE_URL: %v", err)
	}
	if err := pgSelect1(t, old); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
		t.Errorf("old DATABASE_URL after rotation: %v, want password authentication failed", err)
	}
	wantError(t, h.do("POST", "/postgres/v0/databases/"+a.Name+"/credentials/nope/credentials_rotation", h.key, ""), http.StatusNotFound, "not_found")

	testBackups(t, h, a, now, backups, dumps)
}

// backupConfig gives a server pg:backups on temporary directories: the records in dir, the
// dumps in a local slug store.
func backupConfig(t *testing.T) (dir string, dumps slug.Store, configure func(*api.Config)) {
	t.Helper()
	fs, err := slugfs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	return dir, fs, func(c *api.Config) { c.BackupDir, c.BackupBlobs = dir, slug.Blobs{Store: fs} }
}

// waitTransfer polls a transfer as pg:backups:capture does, until it finished.
func (h *harness) waitTransfer(app, uuid string) wire.Transfer {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var tr wire.Transfer
		h.json("GET", "/client/v11/apps/"+app+"/transfers/"+uuid+"?verbose=true", "", http.StatusOK, &tr)
		if tr.FinishedAt != nil || time.Now().After(deadline) {
			return tr
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A captured backup is listed as b001, is stored in the slug store's backend (not as a
// file beside its record), downloads through its signed URL only, and restored brings a
// dropped table back. Destroying the add-on removes its records and its dumps.
func testBackups(t *testing.T, h *harness, a wire.Addon, dbURL, dir string, dumps slug.Store) {
	if err := pgQuery(t, dbURL, "create table notes (body text); insert into notes values ('kept')"); err != nil {
		t.Fatal(err)
	}
	var b wire.Transfer
	h.json("POST", "/client/v11/databases/"+a.ID+"/backups", "", http.StatusCreated, &b)
	if b.Num != 1 || b.FromType != "pg_dump" || b.ToType != "gof3r" || b.FromName != "DATABASE" {
		t.Fatalf("backup %+v", b)
	}
	got := h.waitTransfer("pg-data", b.UUID)
	if !got.Succeeded || got.ProcessedBytes == 0 || len(got.Logs) == 0 {
		t.Fatalf("backup finished as %+v", got)
	}
	var list []wire.Transfer
	h.json("GET", "/client/v11/apps/"+h.appID("pg-data")+"/transfers", "", http.StatusOK, &list)
	if len(list) != 1 || list[0].UUID != b.UUID || !list[0].Succeeded || list[0].Logs != nil {
		t.Fatalf("transfers %+v", list)
	}
	wantError(t, h.do("GET", "/client/v11/apps/pg-data/transfers", h.other, ""), http.StatusNotFound, "not_found")
	stored, err := dumps.List(t.Context())
	if err != nil || len(stored) != 1 || stored[0].Size != got.ProcessedBytes {
		t.Fatalf("the backend holds %+v (%v), want the one backup of %d bytes", stored, err, got.ProcessedBytes)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*", "*.dump")); len(files) != 0 {
		t.Fatalf("dumps as files beside the records: %v", files)
	}

	var pub wire.PublicURL
	h.json("POST", "/client/v11/apps/pg-data/transfers/1/actions/public-url", "", http.StatusOK, &pub)
	u, err := url.Parse(pub.URL)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("public url %q: %v", pub.URL, err)
	}
	w := h.do("GET", u.RequestURI(), "", "")
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Body.String(), "PGDMP") || int64(w.Body.Len()) != got.ProcessedBytes {
		t.Fatalf("download: %d %.40q (%d bytes)", w.Code, w.Body, w.Body.Len())
	}
	q := u.Query()
	q.Set("expires", fmt.Sprint(time.Now().Add(time.Hour).Unix()))
	wantError(t, h.do("GET", u.Path+"?"+q.Encode(), "", ""), http.StatusForbidden, "forbidden")
	expired := u.Query()
	expired.Set("expires", "1")
	expired.Set("signature", strings.Repeat("0", 64))
	wantError(t, h.do("GET", u.Path+"?"+expired.Encode(), "", ""), http.StatusForbidden, "forbidden")

	if err := pgQuery(t, dbURL, "drop table notes"); err != nil {
		t.Fatal(err)
	}
	var r wire.Transfer
	h.json("POST", "/client/v11/databases/"+a.Name+"/restores", `{"backup_url":"`+b.ToURL+`"}`, http.StatusCreated, &r)
	if got := h.waitTransfer(h.appID("pg-data"), r.UUID); !got.Succeeded || r.Num != 2 || r.ToType != "pg_restore" {
		t.Fatalf("restore %+v finished as %+v", r, got)
	}
	var body string
	if err := pgQuery(t, dbURL, "select body from notes", &body); err != nil || body != "kept" {
		t.Fatalf("after restore: %q, %v", body, err)
	}
	wantError(t, h.do("POST", "/client/v11/databases/"+a.Name+"/restores", h.key, `{"backup_url":"https://example.com/x.dump"}`), http.StatusUnprocessableEntity, "invalid_params")

	// pg:backups:schedule: one backup a day, at the hour, named a00N.
	now := time.Now().UTC()
	var sch wire.TransferSchedule
	h.json("POST", "/client/v11/databases/"+a.ID+"/transfer-schedules", fmt.Sprintf(`{"hour":"%02d","timezone":"UTC","schedule_name":"DATABASE_URL"}`, now.Hour()),
		http.StatusCreated, &sch)
	var schedules []wire.TransferSchedule
	h.json("GET", "/client/v11/databases/"+a.ID+"/transfer-schedules", "", http.StatusOK, &schedules)
	if len(schedules) != 1 || schedules[0].Hour != now.Hour() || schedules[0].Name != "DATABASE_URL" {
		t.Fatalf("schedules %+v", schedules)
	}
	h.srv.RunSchedules(t.Context(), now.Add(time.Hour))
	h.srv.RunSchedules(t.Context(), now)
	h.srv.RunSchedules(t.Context(), now)
	h.json("GET", "/client/v11/apps/pg-data/transfers", "", http.StatusOK, &list)
	if len(list) != 3 || list[2].Schedule == nil || list[2].Schedule.Name != "DATABASE_URL" || list[2].ToType != "gof3r" {
		t.Fatalf("transfers after the scheduled hour came twice: %+v", list)
	}
	if got := h.waitTransfer("pg-data", list[2].UUID); !got.Succeeded {
		t.Fatalf("scheduled backup %+v", got)
	}
	h.json("DELETE", "/client/v11/databases/"+a.ID+"/transfer-schedules/"+sch.UUID, "", http.StatusOK, nil)
	h.json("GET", "/client/v11/databases/"+a.ID+"/transfer-schedules", "", http.StatusOK, &schedules)
	if len(schedules) != 0 {
		t.Errorf("schedules after unschedule %+v", schedules)
	}
	wantError(t, h.do("POST", "/client/v11/databases/"+a.ID+"/transfer-schedules", h.key, `{"hour":"24"}`), http.StatusUnprocessableEntity, "invalid_params")

	// pg:reset empties the database; DATABASE_URL still logs in.
	wantError(t, h.do("PUT", "/client/v11/databases/"+a.ID+"/reset", h.other, "{}"), http.StatusNotFound, "not_found")
	h.json("PUT", "/client/v11/databases/"+a.ID+"/reset", `{}`, http.StatusOK, nil)
	if err := pgQuery(t, dbURL, "select body from notes", &body); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("notes after pg:reset: %q, %v", body, err)
	}
	if err := pgSelect1(t, dbURL); err != nil {
		t.Errorf("DATABASE_URL after pg:reset: %v", err)
	}

	h.json("DELETE", "/apps/pg-data/addons/"+a.Name, "", http.StatusOK, nil)
	if _, err := os.Stat(filepath.Join(dir, a.ID)); !os.IsNotExist(err) {
		t.Errorf("backups of a destroyed add-on: %v", err)
	}
	if stored, err := dumps.List(t.Context()); err != nil || len(stored) != 0 {
		t.Errorf("dumps of a destroyed add-on: %+v (%v)", stored, err)
	}
}

// redis:info and redis:credentials --reset through the data API.
func TestData_Redis(t *testing.T) {
	h := newAddonHarness(t)
	h.mustApp("kv-data")
	var a wire.Addon
	h.json("POST", "/apps/kv-data/addons", `{"plan":"heroku-redis"}`, http.StatusCreated, &a)
	if got := h.waitAddon("kv-data", a.Name); got.State != "provisioned" {
		t.Fatalf("%+v", got)
	}
	old := h.config("kv-data")["REDIS_URL"]
	var db wire.RedisDatabase
	h.json("GET", "/redis/v0/databases/"+a.Name, "", http.StatusOK, &db)
	// redis:cli talks plain TCP to resource_url only for a "hobby" plan.
	if db.ResourceURL != old || !strings.HasPrefix(db.Plan, "hobby-") || db.PreferNativeTLS {
		t.Errorf("redis database %+v", db)
	}
	if rowValue(db.Info, "Version") == "" || !strings.Contains(rowValue(db.Info, "Clients"), "/40") {
		t.Errorf("info %+v", db.Info)
	}
	wantError(t, h.do("GET", "/client/v11/databases/"+a.ID, h.key, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/redis/v0/databases/"+a.ID+"/credentials_rotation", h.other, "{}"), http.StatusNotFound, "not_found")

	attached := h.lastRelease("kv-data").Version
	h.json("POST", "/redis/v0/databases/"+a.Name+"/credentials_rotation", "{}", http.StatusOK, nil)
	now := h.config("kv-data")["REDIS_URL"]
	if now == old {
		t.Fatal("REDIS_URL unchanged after credentials_rotation")
	}
	// A rollback to a release from before the rotation would bring back the dead password:
	// refused, saying why. One to the rotation's release goes ahead.
	w := h.do("POST", "/apps/kv-data/releases", h.key, fmt.Sprintf(`{"release":"%d"}`, attached))
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	if msg := w.Body.String(); !strings.Contains(msg, a.Name) || !strings.Contains(msg, "rotated") {
		t.Fatalf("rollback refusal does not say the add-on's credentials were rotated: %s", msg)
	}
	rotation := h.lastRelease("kv-data").Version
	h.json("POST", "/apps/kv-data/releases", fmt.Sprintf(`{"release":"%d"}`, rotation), http.StatusCreated, nil)
	if h.config("kv-data")["REDIS_URL"] != now {
		t.Fatal("the rollback to the rotation's release changed REDIS_URL")
	}
	if err := redisPing(t, now); err != nil {
		t.Errorf("new REDIS_URL: %v", err)
	}
	if err := redisPing(t, old); err == nil {
		t.Error("the old REDIS_URL still works")
	}
	h.json("GET", "/redis/v0/databases/"+a.ID, "", http.StatusOK, &db)
	if db.ResourceURL != now {
		t.Error("resource_url is not the new REDIS_URL")
	}

	// redis:maxmemory.
	var cfg wire.RedisConfig
	h.json("PATCH", "/redis/v0/databases/"+a.Name+"/config", `{"maxmemory_policy":"allkeys-lru"}`, http.StatusOK, &cfg)
	if cfg.MaxmemoryPolicy.Value != "allkeys-lru" || cfg.MaxmemoryPolicy.Values["allkeys-lru"] == "" {
		t.Errorf("config %+v", cfg)
	}
	h.json("GET", "/redis/v0/databases/"+a.ID, "", http.StatusOK, &db)
	if got := rowValue(db.Info, "Maxmemory"); got != "allkeys-lru" {
		t.Errorf("Maxmemory %q after PATCH config", got)
	}
	wantError(t, h.do("PATCH", "/redis/v0/databases/"+a.Name+"/config", h.key, `{"maxmemory_policy":"lru"}`), http.StatusUnprocessableEntity, "invalid_params")
}

// A backup an older server kept as a file beside its record moves into the backend at the
// next start, and downloads from there through its signed URL.
func TestBackups_AdoptsOlderDumps(t *testing.T) {
	dir, dumps, withBackups := backupConfig(t)
	h := newHarnessWith(t, withBackups)
	t.Cleanup(h.srv.Close)
	h.mustApp("old-backups")
	a := &bera.Addon{Name: "postgresql-old-00001", AppID: h.appID("old-backups"), Service: "heroku-postgresql",
		Plan: "heroku-postgresql:essential-0", State: bera.AddonProvisioned}
	if err := h.st.CreateAddon(t.Context(), a, &bera.AddonAttachment{Name: "DATABASE"}); err != nil {
		t.Fatal(err)
	}
	dump := []byte("PGDMP an older server's backup")
	rec := fmt.Sprintf(`{"uuid":"u1","num":1,"from_type":"pg_dump","to_type":"gof3r","succeeded":true,"processed_bytes":%d,"addon_id":%q,"app_id":%q}`,
		len(dump), a.ID, a.AppID)
	files := map[string][]byte{"001.json": []byte(rec), "001.dump": dump, "002.dump.partial": []byte("PGD")}
	if err := os.Mkdir(filepath.Join(dir, a.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, a.ID, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.srv.ResumeAddons(t.Context()); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, a.ID, "*.dump*")); len(left) != 0 {
		t.Errorf("dump files left after the start: %v", left)
	}
	if stored, err := dumps.List(t.Context()); err != nil || len(stored) != 1 || stored[0].Size != int64(len(dump)) {
		t.Fatalf("the backend holds %+v (%v), want the older backup", stored, err)
	}
	var pub wire.PublicURL
	h.json("POST", "/client/v11/apps/old-backups/transfers/1/actions/public-url", "", http.StatusOK, &pub)
	u, err := url.Parse(pub.URL)
	if err != nil {
		t.Fatal(err)
	}
	if w := h.do("GET", u.RequestURI(), "", ""); w.Code != http.StatusOK || w.Body.String() != string(dump) {
		t.Fatalf("download: %d %q", w.Code, w.Body)
	}
	if err := h.srv.ResumeAddons(t.Context()); err != nil { // the next start has nothing to move
		t.Fatal(err)
	}
}
