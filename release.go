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
	// Image is filled by the store on reads: the OCI image digest of the release's slug
	// when it came from a Cloud Native Buildpacks build, else "".
	Image string
	// Current is computed by the store on reads: true for the newest succeeded release.
	Current   bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewRelease is a release to create together with what it changes: the app's config and,
// for a release that is current at once, its formation. The store writes all of it in one
// transaction, so no reader sees the release without its config or process types.
type NewRelease struct {
	AppID       string
	Description string
	// Status is succeeded (the default) or pending (a release phase runs first).
	Status string
	UserID string
	// SlugID is the release's slug ("" for none); nil takes the current release's slug, as
	// config and add-on changes do.
	SlugID *string
	// Config, when not nil, replaces the app's config (a rollback); otherwise ConfigChanges
	// are applied to the current config. The result is the release's snapshot and becomes
	// the app's config.
	Config        map[string]string
	ConfigChanges []ConfigChange
	// AddonPlanNames are the plans attached with the release; nil takes the current
	// release's.
	AddonPlanNames []string
	// Formation, when not nil, is written with the release. Give it only with a release that
	// is current at once; a pending one changes the formation when it succeeds.
	Formation *ReleaseFormation
}

// ReleaseFormation is what a release does to the app's formation: ProcessTypes become its
// types (see WithProcessTypes), then Updates are applied (quantities and sizes of new types).
type ReleaseFormation struct {
	ProcessTypes map[string]string
	Updates      []FormationUpdate
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
