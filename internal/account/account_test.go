package account_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/account"
	"github.com/kingvon-ke/bera/internal/secret"
	"github.com/kingvon-ke/bera/internal/store/storetest"
)

func TestCreate(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		u, key, err := account.Create(t.Context(), st, account.Options{Email: " Dev@Example.com ", Password: "s3cret-pw", Admin: true, KeyDescription: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := u.Email, "dev@example.com"; got != want {
			t.Errorf("Email=%q, want %q", got, want)
		}
		got, k, err := st.UserByAPIKeyHash(t.Context(), secret.HashAPIKey(key))
		if err != nil {
			t.Fatalf("the returned key does not authenticate: %v", err)
		}
		if got.ID != u.ID || !got.Admin || k.Description != "test" {
			t.Errorf("key's user=%+v key=%+v, want admin %s with description test", got, k, u.ID)
		}
		if !secret.CheckPassword(got.PasswordHash, "s3cret-pw") {
			t.Error("stored password hash does not verify")
		}
	})
	t.Run("NoPassword", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		u, _, err := account.Create(t.Context(), st, account.Options{Email: "a@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if u.PasswordHash != "" || u.Admin {
			t.Errorf("user=%+v, want no password, not admin", u)
		}
	})
	for _, tt := range []struct {
		name string
		o    account.Options
		msg  string
	}{
		{"ErrShortPassword", account.Options{Email: "a@example.com", Password: "1234567"}, "password must be at least 8 characters"},
		{"ErrBadEmail", account.Options{Email: "not an address"}, `"not an address" is not a valid email address.`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.OpenSQLite(t)
			_, _, err := account.Create(t.Context(), st, tt.o)
			if got, want := bera.ErrorCode(err), bera.EInvalid; got != want {
				t.Fatalf("code=%q (%v), want %q", got, err, want)
			}
			if got := bera.ErrorMessage(err); got != tt.msg {
				t.Errorf("message=%q, want %q", got, tt.msg)
			}
			if n, _ := st.CountUsers(t.Context()); n != 0 {
				t.Errorf("%d users created, want 0", n)
			}
		})
	}
	t.Run("ErrEmailTaken", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		o := account.Options{Email: "a@example.com"}
		if _, _, err := account.Create(t.Context(), st, o); err != nil {
			t.Fatal(err)
		}
		o.Email = "A@example.com"
		if _, _, err := account.Create(t.Context(), st, o); bera.ErrorMessage(err) != "That email is already taken." {
			t.Errorf("err=%v, want the email taken", err)
		}
	})
}

func TestBootstrap(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		dir := t.TempDir()
		var out bytes.Buffer
		if err := account.Bootstrap(t.Context(), st, dir, "", "", &out); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "admin.key")
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("admin.key: %v mode %v, want 0600", err, fi.Mode().Perm())
		}
		b, _ := os.ReadFile(path)
		key := strings.TrimSpace(string(b))
		u, _, err := st.UserByAPIKeyHash(t.Context(), secret.HashAPIKey(key))
		if err != nil || u.Email != account.DefaultAdminEmail || !u.Admin {
			t.Fatalf("admin.key's user=%+v err=%v, want admin %s", u, err, account.DefaultAdminEmail)
		}
		want := "Created admin account admin@localhost. Its API key (also in " + path + "):\n" + key + "\n"
		if out.String() != want {
			t.Errorf("printed %q, want %q", out.String(), want)
		}
		// A second start finds the account and neither prints nor rewrites the key.
		out.Reset()
		if err := account.Bootstrap(t.Context(), st, dir, "", "", &out); err != nil || out.Len() > 0 {
			t.Errorf("second bootstrap: err=%v printed %q, want nothing", err, out.String())
		}
		if n, _ := st.CountUsers(t.Context()); n != 1 {
			t.Errorf("%d users, want 1", n)
		}
	})
	t.Run("Password", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		if err := account.Bootstrap(t.Context(), st, t.TempDir(), "Root@Example.com", "long enough", &bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
		u, err := st.User(t.Context(), "root@example.com")
		if err != nil || !secret.CheckPassword(u.PasswordHash, "long enough") {
			t.Errorf("user=%+v err=%v, want root@example.com with the password", u, err)
		}
	})
	t.Run("ErrShortPassword", func(t *testing.T) {
		st := storetest.OpenSQLite(t)
		dir := t.TempDir()
		err := account.Bootstrap(t.Context(), st, dir, "", "short", &bytes.Buffer{})
		if got, want := err.Error(), "create admin: password must be at least 8 characters"; got != want {
			t.Errorf("err=%q, want %q", got, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "admin.key")); !os.IsNotExist(err) {
			t.Errorf("admin.key written: %v", err)
		}
	})
}
