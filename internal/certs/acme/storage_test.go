package acme_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/certs/acme"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

// TestStorage checks certmagic's storage semantics over the real store (SQLite).
func TestStorage(t *testing.T) {
	ctx := t.Context()
	s := acme.NewStorage(storetest.OpenSQLite(t))
	for _, k := range []string{"certificates/ca/www.example.com/www.example.com.crt",
		"certificates/ca/www.example.com/www.example.com.key", "certificates/ca/api.example.com/api.example.com.crt", "acme/account.json"} {
		if err := s.Store(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "certificates/ca", false)
	if want := []string{"certificates/ca/api.example.com", "certificates/ca/www.example.com"}; err != nil || !sameSet(got, want) {
		t.Errorf("List(non-recursive) = %v %v, want %v", got, err, want)
	}
	got, _ = s.List(ctx, "certificates", true)
	if len(got) != 6 || !slices.Contains(got, "certificates/ca/api.example.com/api.example.com.crt") {
		t.Errorf("List(recursive) = %v", got)
	}
	if _, err := s.List(ctx, "nothing", false); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List(missing) = %v", err)
	}
	if info, err := s.Stat(ctx, "certificates/ca"); err != nil || info.IsTerminal {
		t.Errorf("Stat(dir) = %+v %v", info, err)
	}
	if info, err := s.Stat(ctx, "acme/account.json"); err != nil || !info.IsTerminal || info.Size != int64(len("acme/account.json")) {
		t.Errorf("Stat(file) = %+v %v", info, err)
	}
	if !s.Exists(ctx, "certificates") || s.Exists(ctx, "certificates/c") {
		t.Error("Exists is wrong about directories")
	}
	if err := s.Delete(ctx, "certificates/ca/www.example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, "certificates/ca/www.example.com/www.example.com.key"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load after Delete = %v", err)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestStorage_Lock checks that two servers sharing a database take turns on a lock.
func TestStorage_Lock(t *testing.T) {
	ctx := t.Context()
	st := storetest.OpenSQLite(t)
	one, two := acme.NewStorage(st), acme.NewStorage(st)
	if err := one.Lock(ctx, "issue_cert_www"); err != nil {
		t.Fatal(err)
	}
	if ok, err := two.TryLock(ctx, "issue_cert_www"); ok || err != nil {
		t.Fatalf("the second server took a held lock: %v %v", ok, err)
	}
	var wg sync.WaitGroup
	got := make(chan error, 1)
	wg.Go(func() { got <- two.Lock(ctx, "issue_cert_www") })
	if err := one.Unlock(ctx, "issue_cert_www"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := <-got; err != nil {
		t.Fatalf("second Lock after Unlock: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := one.Lock(cctx, "issue_cert_www"); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock with a cancelled context = %v", err)
	}
	two.Unlock(ctx, "issue_cert_www")
}
