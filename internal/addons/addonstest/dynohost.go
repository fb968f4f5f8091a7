package addonstest

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
)

// DynoHost stands for the address dynos reach the host on (runc's gateway) in tests: a
// second loopback address, which every Linux host has.
const DynoHost = "127.0.0.2"

// RunDynoHost checks the dynos' address on the provider o.Open returns, whose Ports are
// ports: an instance provisioned before ports.DynoHost was set (an older Bera) listens on
// it once the provider is opened again and its URL names it, with its data kept; a new
// instance's URL names it too; and Bera's own address keeps serving both.
func RunDynoHost(t *testing.T, ports *addons.Ports, o Options) {
	root := Root(t)
	ports.DynoHost = ""
	p := o.Open(t, root)
	old := provision(t, p, "addon-old", o)
	if h := urlHost(t, old.URL); h != ports.HostOrDefault() {
		t.Fatalf("URL host %s without a dynos' address, want %s", h, ports.HostOrDefault())
	}
	c := mustOpenRetry(t, o.Client, old.URL)
	if err := c.Set(t.Context(), "kept", "yes"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	p.Close()

	ports.DynoHost = DynoHost
	p = o.Open(t, root)
	t.Cleanup(func() { p.Close() })
	inst, err := p.Instance(t.Context(), old.ID)
	if err != nil {
		t.Fatal(err)
	}
	fresh := provision(t, p, "addon-new", o)
	for _, in := range []addons.Instance{inst, fresh} {
		if h := urlHost(t, in.URL); h != DynoHost {
			t.Errorf("instance %s: URL host %s, want the dynos' address %s", in.ID, h, DynoHost)
		}
		for _, host := range []string{DynoHost, ports.HostOrDefault()} {
			c := mustOpenRetry(t, o.Client, withHost(t, in.URL, host))
			if err := c.Set(t.Context(), "k", "v"); err != nil {
				t.Errorf("instance %s on %s: %v", in.ID, host, err)
			}
			c.Close()
		}
	}
	c = mustOpenRetry(t, o.Client, inst.URL)
	defer c.Close()
	if got, err := c.Get(t.Context(), "kept"); err != nil || got != "yes" {
		t.Errorf("after listening on the dynos' address: Get=%q, %v, want the value written before", got, err)
	}
}

func provision(t *testing.T, p addons.Provider, id string, o Options) addons.Instance {
	t.Helper()
	inst, err := p.Provision(t.Context(), addons.Request{ID: id, Plan: o.Plan, Config: o.Config})
	t.Cleanup(func() { p.Deprovision(context.WithoutCancel(t.Context()), id) })
	if err != nil {
		t.Fatalf("Provision %s: %v", id, err)
	}
	return inst
}

// mustOpenRetry connects to url, for up to 30 s while an instance (re)starts.
func mustOpenRetry(t *testing.T, client Client, url string) Conn {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var c Conn
		if c, err = client.Open(t.Context(), url); err == nil {
			return c
		}
	}
	t.Fatalf("connect to %s: %v", urlHost(t, url), err)
	return nil
}

func urlHost(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal("bad instance URL")
	}
	return u.Hostname()
}

func withHost(t *testing.T, raw, host string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal("bad instance URL")
	}
	u.Host = net.JoinHostPort(host, u.Port())
	return u.String()
}
