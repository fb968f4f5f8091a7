package bera

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Release statuses, as in Heroku's API.
const (
	ReleasePending   = "pending"
	ReleaseSucceeded = "succeeded"
	ReleaseFailed    = "failed"
)

// Release is a numbered pair of a slug and a config snapshot. v1 is created with the app.
type Release struct {
	ID          string
	AppID       string
	Version     int
	Description string
	Status      string
	SlugID      string            // empty when the release has no code yet
	Config      map[string]string // snapshot of the config vars; encrypted at rest
	UserID      string
	UserEmail   string // filled by the store on reads
	// AddonPlanNames lists the add-on plans attached when the release was made.
	AddonPlanNames []string
	// Current is computed by the store on reads: true for the newest succeeded release.
	Current   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ConfigChange is one change to the config vars: Value nil removes Key.
type ConfigChange struct {
	Key   string
	Value *string
}

// ConfigDescription returns Heroku's release description for a set of changes:
// "Set A, B config vars", "Remove C config vars", or both joined with " and ".
func ConfigDescription(changes []ConfigChange) string {
	var set, removed []string
	for _, c := range changes {
		if c.Value == nil {
			removed = append(removed, c.Key)
		} else {
			set = append(set, c.Key)
		}
	}
	sort.Strings(set)
	sort.Strings(removed)
	var parts []string
	if len(set) > 0 {
		parts = append(parts, "Set "+strings.Join(set, ", ")+" config vars")
	}
	if len(removed) > 0 {
		parts = append(parts, "Remove "+strings.Join(removed, ", ")+" config vars")
	}
	return strings.Join(parts, " and ")
}

// ValidateConfigVar checks a config var that is about to be written (value nil means it is
// being removed). A set name follows Heroku's rule: letters, digits and underscores only, 1 to
// 255 of them, so every language and shell can read it. A value cannot hold a NUL byte, which
// no process environment can carry (every dyno start would fail). Removing only needs a name
// ValidateConfigKey accepts, so a var stored before these rules can still be removed. The
// message names the key, never the value.
func ValidateConfigVar(key string, value *string) error {
	if value == nil {
		return ValidateConfigKey(key)
	}
	if !configNameRE.MatchString(key) {
		return &Error{Code: EInvalid, Resource: "config_var", Message: fmt.Sprintf("Invalid config var name %q: names can only contain letters, digits and underscores (1 to 255 characters).", key)}
	}
	if strings.IndexByte(*value, 0) >= 0 {
		return &Error{Code: EInvalid, Resource: "config_var", Message: fmt.Sprintf("Invalid value for config var %s: values cannot contain NUL bytes.", key)}
	}
	return nil
}

var configNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,255}$`)

// ValidateConfigKey checks a config var name: non-empty, no "=", no NUL or newline, at most
// 255 bytes.
func ValidateConfigKey(k string) error {
	if k == "" || len(k) > 255 || strings.ContainsAny(k, "=\x00\n\r") {
		return &Error{Code: EInvalid, Resource: "config_var", Message: "Config var names must be 1 to 255 characters and cannot contain '=', NUL or newlines."}
	}
	return nil
}
