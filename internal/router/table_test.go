package router_test

import (
	"errors"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

func TestTable_Lookup(t *testing.T) {
	tbl, err := router.NewTable([]router.Route{
		{AppID: "a1", AppName: "myapp", Hosts: []string{"myapp.example.com", "www.Custom.org."}},
		{AppID: "a2", AppName: "wild", Hosts: []string{"*.wild.io", "[::1]"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want string // app id, "" for none
	}{
		{"myapp.example.com", "a1"},
		{"MyApp.Example.COM", "a1"},
		{"myapp.example.com:8080", "a1"},
		{"myapp.example.com.", "a1"},
		{"myapp.example.com.:443", "a1"},
		{"www.custom.org", "a1"},
		{"WWW.CUSTOM.ORG:80", "a1"},
		{"a.wild.io", "a2"},
		{"a.b.wild.io", ""},
		{"wild.io", ""},
		{"[::1]:8080", "a2"},
		{"other.example.com", ""},
		{"", ""},
		{"myapp.example.com:notaport:1", ""},
		{"myapp.example.com/x", ""},
		{"my\xffapp.example.com", ""},
		{"[::1]x", ""},
	}
	for _, tt := range tests {
		rt, ok := tbl.Lookup(tt.host)
		if got := rt.AppID; got != tt.want || ok != (tt.want != "") {
			t.Errorf("Lookup(%q)=%q,%v, want %q", tt.host, got, ok, tt.want)
		}
	}
}

func TestNewTable_Errors(t *testing.T) {
	tests := []struct {
		name   string
		routes []router.Route
		is     error
	}{
		{"DuplicateHost", []router.Route{
			{AppID: "a1", Hosts: []string{"x.example.com"}},
			{AppID: "a2", Hosts: []string{"X.example.com."}},
		}, router.ErrDuplicateHost},
		{"EmptyAppID", []router.Route{{Hosts: []string{"x.example.com"}}}, nil},
		{"DuplicateBackend", []router.Route{
			{AppID: "a1", Hosts: []string{"a"}, Backends: []router.Backend{{Dyno: "web.1", Addr: "127.0.0.1:1"}}},
			{AppID: "a2", Hosts: []string{"b"}, Backends: []router.Backend{{Dyno: "web.1", Addr: "127.0.0.1:1"}}},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := router.NewTable(tt.routes)
			if err == nil {
				t.Fatal("NewTable succeeded, want an error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err=%v, want %v", err, tt.is)
			}
		})
	}
}

func TestRouter_IncrementalUpdates(t *testing.T) {
	r := router.New(router.Config{})
	if err := r.AddBackend("a1", router.Backend{Dyno: "web.1", Addr: "127.0.0.1:1"}); !errors.Is(err, router.ErrUnknownApp) {
		t.Fatalf("AddBackend to unknown app: err=%v, want ErrUnknownApp", err)
	}
	if err := r.Upsert(route()); err != nil {
		t.Fatal(err)
	}
	if err := r.AddBackend("a1", router.Backend{Dyno: "web.1", Addr: "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.AddBackend("a1", router.Backend{Dyno: "web.2", Addr: "127.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveBackend("a1", "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	rt, ok := r.Table().Lookup("myapp.example.com")
	if !ok || len(rt.Backends) != 1 || rt.Backends[0].Dyno != "web.2" {
		t.Fatalf("route=%+v, want only web.2", rt)
	}
	if err := r.Drain(t.Context(), "127.0.0.1:1"); err != nil {
		t.Errorf("Drain of idle backend: %v", err)
	}
	r.Remove("a1")
	if _, ok := r.Table().Lookup("myapp.example.com"); ok {
		t.Error("route still there after Remove")
	}
}
