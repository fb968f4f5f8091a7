package build

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/kingvon-ke/bera"
)

// maxAppJSON caps the size of an app.json.
const maxAppJSON = 1 << 20

// AppJSON is an app.json manifest, as used by app setups, review apps and CI (not by a
// plain git push).
type AppJSON struct {
	Name         string                     `json:"name,omitempty"`
	Description  string                     `json:"description,omitempty"`
	Keywords     []string                   `json:"keywords,omitempty"`
	Website      string                     `json:"website,omitempty"`
	Repository   string                     `json:"repository,omitempty"`
	Logo         string                     `json:"logo,omitempty"`
	Env          map[string]EnvVar          `json:"env,omitempty"`
	Formation    map[string]FormationEntry  `json:"formation,omitempty"`
	Addons       []Addon                    `json:"addons,omitempty"`
	Buildpacks   []BuildpackRef             `json:"buildpacks,omitempty"`
	Stack        string                     `json:"stack,omitempty"`
	Scripts      map[string]string          `json:"scripts,omitempty"`
	Environments map[string]json.RawMessage `json:"environments,omitempty"`
}

// EnvVar describes one config var. In the file it is either an object or, as a shorthand,
// a plain string that is its Value.
type EnvVar struct {
	Description string `json:"description,omitempty"`
	Value       string `json:"value,omitempty"`
	// Generator is "secret" (a random value is made at setup) or empty.
	Generator string `json:"generator,omitempty"`
	// Required defaults to true in Heroku's app.json; nil means "not said".
	Required *bool `json:"required,omitempty"`
}

// IsRequired reports whether setup must get a value for the var: Required, defaulting to
// true when not said, and false when a Value or Generator supplies one.
func (e EnvVar) IsRequired() bool {
	if e.Value != "" || e.Generator != "" {
		return false
	}
	return e.Required == nil || *e.Required
}

// UnmarshalJSON accepts the object form and the string shorthand.
func (e *EnvVar) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = EnvVar{Value: s}
		return nil
	}
	type plain EnvVar
	return json.Unmarshal(b, (*plain)(e))
}

// FormationEntry is the initial scale of one process type.
type FormationEntry struct {
	Quantity int    `json:"quantity"`
	Size     string `json:"size,omitempty"`
}

// Addon is one add-on to provision. In the file it is either a plan name string or an object.
type Addon struct {
	Plan    string         `json:"plan"`
	As      string         `json:"as,omitempty"`
	Options map[string]any `json:"options,omitempty"`
}

// UnmarshalJSON accepts the object form and the plan-name shorthand.
func (a *Addon) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Addon{Plan: s}
		return nil
	}
	type plain Addon
	return json.Unmarshal(b, (*plain)(a))
}

// BuildpackRef names one buildpack by URL (or a registry name such as "heroku/go").
type BuildpackRef struct {
	URL string `json:"url"`
}

// ParseAppJSON reads and validates an app.json. Errors have code bera.EInvalid and say
// what is wrong in a sentence.
func ParseAppJSON(r io.Reader) (*AppJSON, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAppJSON+1))
	if err != nil {
		return nil, fmt.Errorf("read app.json: %w", err)
	}
	if len(b) > maxAppJSON {
		return nil, bera.Errorf(bera.EInvalid, "app.json is larger than %d bytes.", maxAppJSON)
	}
	var a AppJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&a); err != nil {
		return nil, bera.Errorf(bera.EInvalid, "app.json is not valid: %s.", err)
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

// Validate checks env names and generators, formation quantities and process type names,
// add-on plans and buildpack URLs.
func (a *AppJSON) Validate() error {
	for _, k := range sortedKeys(a.Env) {
		if err := bera.ValidateConfigKey(k); err != nil {
			return bera.Errorf(bera.EInvalid, "app.json env %q: %s", k, bera.ErrorMessage(err))
		}
		if g := a.Env[k].Generator; g != "" && g != "secret" {
			return bera.Errorf(bera.EInvalid, "app.json env %q: generator must be \"secret\", not %q.", k, g)
		}
	}
	for _, typ := range sortedKeys(a.Formation) {
		if !procfileType.MatchString(typ) {
			return bera.Errorf(bera.EInvalid, "app.json formation: %q is not a valid process type.", typ)
		}
		if a.Formation[typ].Quantity < 0 {
			return bera.Errorf(bera.EInvalid, "app.json formation %q: quantity must not be negative.", typ)
		}
	}
	for i, ad := range a.Addons {
		if ad.Plan == "" {
			return bera.Errorf(bera.EInvalid, "app.json addons[%d]: plan is required.", i)
		}
	}
	for i, bp := range a.Buildpacks {
		if bp.URL == "" {
			return bera.Errorf(bera.EInvalid, "app.json buildpacks[%d]: url is required.", i)
		}
	}
	return nil
}

// sortedKeys returns m's keys in order, so validation reports the first problem stably.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
