package bera

import (
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

// ValidateConfigKey checks a config var name: non-empty, no "=", no NUL or newline, at most
// 255 bytes.
func ValidateConfigKey(k string) error {
	if k == "" || len(k) > 255 || strings.ContainsAny(k, "=\x00\n\r") {
		return &Error{Code: EInvalid, Resource: "config_var", Message: "Config var names must be 1 to 255 characters and cannot contain '=', NUL or newlines."}
	}
	return nil
}
