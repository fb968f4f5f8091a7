package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
)

// sharedServer is the machine's PostgreSQL (trust authentication, database test).
const sharedServer = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func sharedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	c, err := pgx.Connect(t.Context(), sharedServer)
	if err != nil {
		addonstest.Missing(t, "apt-get install -y postgresql (listening on 127.0.0.1:5432, trust, database test)")
	}
	c.Close(t.Context())
	e.sharedURL = sharedServer
	return e
}

func TestConformance_Shared(t *testing.T) {
	e := sharedEnv(t)
	addonstest.Run(t, addonstest.Options{
		Open:      func(t *testing.T, root string) addons.Provider { return e.MustOpen(t, root) },
		Plan:      "shared",
		Client:    addonstest.Postgres,
		TrustAuth: true,
	})
}

// The shared plan's roles log in with scram passwords even on a trusting server, are no
// superusers, and cannot connect to one another's databases.
func TestShared_Roles(t *testing.T) {
	e := sharedEnv(t)
	p := e.MustOpen(t, addonstest.Root(t))
	ctx := t.Context()
	var creds []addons.Credential
	for _, id := range []string{"shared-a", "shared-b"} {
		if _, err := p.Provision(ctx, addons.Request{ID: id, Plan: "heroku-postgresql:shared"}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Deprovision(context.WithoutCancel(ctx), id) })
		c, _ := p.Credentials(ctx, id)
		creds = append(creds, c[0])
	}
	admin, err := pgx.Connect(ctx, sharedServer)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	verifier := func(role string) string {
		var v string
		var super bool
		if err := admin.QueryRow(ctx, `SELECT rolpassword, rolsuper FROM pg_authid WHERE rolname = $1`, role).Scan(&v, &super); err != nil {
			t.Fatal(err)
		}
		if super {
			t.Errorf("role %s is a superuser", role)
		}
		return v
	}
	before := verifier(creds[0].User)
	if !strings.HasPrefix(before, "SCRAM-SHA-256$4096:") {
		t.Errorf("role password %.20q… is not a scram verifier", before)
	}
	if _, err := p.Rotate(ctx, "shared-a", "default"); err != nil {
		t.Fatal(err)
	}
	if after := verifier(creds[0].User); after == before || !strings.HasPrefix(after, "SCRAM-SHA-256$") {
		t.Error("Rotate did not set a new scram verifier")
	}
	// a's role on b's database.
	cross := strings.Replace(creds[1].URL, creds[1].User+":"+creds[1].Password, creds[0].User, 1)
	if c, err := pgx.Connect(ctx, cross+"?sslmode=disable"); err == nil {
		c.Close(ctx)
		t.Error("one shared add-on's role connected to another's database")
	} else if !strings.Contains(err.Error(), "permission denied for database") {
		t.Errorf("cross-database connection err=%v, want permission denied", err)
	}
	if err := p.Deprovision(ctx, "shared-a"); err != nil {
		t.Fatal(err)
	}
	var n int
	admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`, creds[0].Database).Scan(&n)
	if n != 0 {
		t.Error("Deprovision left the shared database")
	}
	if _, err := p.Instance(ctx, "shared-a"); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Instance after Deprovision err=%v, want ErrNotFound", err)
	}
}

// Without a shared server the shared plan is neither offered nor provisioned.
func TestShared_NotConfigured(t *testing.T) {
	e := newEnv(t)
	p := e.MustOpen(t, addonstest.Root(t))
	for _, pl := range p.Service().Plans {
		if strings.HasSuffix(pl.Name, ":shared") {
			t.Error("the shared plan is offered without --addon-postgres-url")
		}
	}
	if _, err := p.Provision(t.Context(), addons.Request{ID: "x", Plan: "shared"}); !errors.Is(err, addons.ErrUnknownPlan) {
		t.Errorf("Provision err=%v, want ErrUnknownPlan", err)
	}
}
