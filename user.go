package bera

import (
	"net/mail"
	"strings"
	"time"
)

// User is an account that can log in and own apps.
type User struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string // argon2id in PHC format; empty when the user has no password
	Admin        bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastLogin    *time.Time
}

// APIKey is a credential of a user. Only the SHA-256 of the key is stored (Hash, hex).
type APIKey struct {
	ID          string
	UserID      string
	Hash        string
	Description string
	CreatedAt   time.Time
	ExpiresAt   *time.Time
}

// NormalizeEmail lower-cases and trims an email address and checks its form.
// It returns EInvalid for something that is not an address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return "", Errorf(EInvalid, "%q is not a valid email address.", s)
	}
	return s, nil
}
