package api

import (
	"net/http"
	"sort"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/release"
	"github.com/kingvon-ke/bera/internal/wire"
)

func (s *Server) handleConfigInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	vars, err := s.store.ConfigVars(r.Context(), app.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, vars)
}

// maxConfigVars and maxConfigBytes bound an app's config, as Heroku does (32 kB in all).
const (
	maxConfigVars  = 1000
	maxConfigBytes = 64 << 10
)

// handleConfigUpdate merges the body into the config (null removes a key), creates a release
// ("Set A, B config vars") and returns the whole merged config, which `config:set` prints.
func (s *Server) handleConfigUpdate(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	var body wire.ConfigVarsUpdate
	if err := decode(r, &body, false); err != nil {
		return err
	}
	if body == nil {
		return bera.Errorf(bera.EInvalid, "Request body must be a JSON object of config vars.")
	}
	changes, err := configChanges(body)
	if err != nil {
		return err
	}
	current, err := s.store.ConfigVars(r.Context(), app.ID)
	if err != nil {
		return err
	}
	if err := checkConfigSize(current, changes); err != nil {
		return err
	}
	rel, err := s.releases.Create(r.Context(), app, release.Change{Description: bera.ConfigDescription(changes),
		User: bera.UserFrom(r.Context()), ConfigChanges: changes})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rel.Config)
}

// configChanges validates names and values (bera.ValidateConfigVar) and orders the changes by key.
func configChanges(body wire.ConfigVarsUpdate) ([]bera.ConfigChange, error) {
	if len(body) == 0 {
		return nil, bera.Errorf(bera.EInvalid, "No config vars given.")
	}
	changes := make([]bera.ConfigChange, 0, len(body))
	for k, v := range body {
		if err := bera.ValidateConfigVar(k, v); err != nil {
			return nil, err
		}
		changes = append(changes, bera.ConfigChange{Key: k, Value: v})
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Key < changes[j].Key })
	return changes, nil
}

func checkConfigSize(current map[string]string, changes []bera.ConfigChange) error {
	next := make(map[string]string, len(current))
	for k, v := range current {
		next[k] = v
	}
	for _, c := range changes {
		if c.Value == nil {
			delete(next, c.Key)
		} else {
			next[c.Key] = *c.Value
		}
	}
	size := 0
	for k, v := range next {
		size += len(k) + len(v)
	}
	if len(next) > maxConfigVars || size > maxConfigBytes {
		return bera.Errorf(bera.EInvalid, "Config vars are limited to %d keys and %d kB in all.", maxConfigVars, maxConfigBytes>>10)
	}
	return nil
}
