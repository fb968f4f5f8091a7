// Package account creates accounts on the server's store: the first admin at the first
// start of `bera server`, and the accounts `bera admin users:create` adds. Both go through
// Create, so the email and password rules are the same in both.
package account

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/secret"
)

// MinPasswordLen is the shortest password an account may have.
const MinPasswordLen = 8

// DefaultAdminEmail is the first admin's email when none is given.
const DefaultAdminEmail = "admin@localhost"

// Store is what accounts are written to; *store.Store implements it.
type Store interface {
	CreateUser(ctx context.Context, u *bera.User) error
	CreateAPIKey(ctx context.Context, k *bera.APIKey) error
}

// Options describe an account to create.
type Options struct {
	// Email is normalized (trimmed, lower-cased) and must be an address.
	Email string
	// Password is optional: without one, the account logs in with its API key only.
	Password string
	Admin    bool
	// KeyDescription describes the API key made for the account.
	KeyDescription string
}

// Create checks o, creates the user and an API key for it, and returns the user and the
// key (shown once; only its hash is stored). It returns EInvalid for a bad email, a password
// shorter than MinPasswordLen and an email that is taken.
func Create(ctx context.Context, st Store, o Options) (*bera.User, string, error) {
	email, err := bera.NormalizeEmail(o.Email)
	if err != nil {
		return nil, "", err
	}
	u := &bera.User{Email: email, Admin: o.Admin}
	if o.Password != "" {
		if err := CheckPassword(o.Password); err != nil {
			return nil, "", err
		}
		u.PasswordHash = secret.HashPassword(o.Password)
	}
	if err := st.CreateUser(ctx, u); err != nil {
		return nil, "", err
	}
	key := secret.NewAPIKey()
	if err := st.CreateAPIKey(ctx, &bera.APIKey{UserID: u.ID, Hash: secret.HashAPIKey(key), Description: o.KeyDescription}); err != nil {
		return nil, "", fmt.Errorf("create api key: %w", err)
	}
	return u, key, nil
}

// CheckPassword returns EInvalid when pw is shorter than MinPasswordLen.
func CheckPassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return bera.Errorf(bera.EInvalid, "password must be at least %d characters", MinPasswordLen)
	}
	return nil
}

// BootstrapStore is a Store that can count its users.
type BootstrapStore interface {
	Store
	CountUsers(ctx context.Context) (int, error)
}

// Bootstrap creates the first account, an admin, when the store has none: email (default
// DefaultAdminEmail) and the optional password. It writes the account's API key to
// dataDir/admin.key (mode 0600) and prints it once to out. With accounts in the store it
// does nothing.
func Bootstrap(ctx context.Context, st BootstrapStore, dataDir, email, password string, out io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if email == "" {
		email = DefaultAdminEmail
	}
	u, key, err := Create(ctx, st, Options{Email: email, Password: password, Admin: true, KeyDescription: "admin key created at first start"})
	if code := bera.ErrorCode(err); code != "" && code != bera.EInternal {
		return fmt.Errorf("create admin: %s", bera.ErrorMessage(err))
	} else if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	path := filepath.Join(dataDir, "admin.key")
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return fmt.Errorf("write admin key: %w", err)
	}
	fmt.Fprintf(out, "Created admin account %s. Its API key (also in %s):\n%s\n", u.Email, path, key)
	return nil
}
