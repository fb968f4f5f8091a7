package api

import (
	"errors"
	"net/http"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/wire"
)

// redisPolicies describes the maxmemory policies, as redis:maxmemory prints them.
var redisPolicies = map[string]string{
	"noeviction":      "return errors when memory limit is reached",
	"allkeys-lru":     "evict the least recently used keys",
	"allkeys-lfu":     "evict the least frequently used keys",
	"allkeys-random":  "evict random keys",
	"volatile-lru":    "evict the least recently used keys with an expiry set",
	"volatile-lfu":    "evict the least frequently used keys with an expiry set",
	"volatile-random": "evict random keys with an expiry set",
	"volatile-ttl":    "evict the keys with an expiry set and the shortest time to live",
}

func (s *Server) dataOpRoutes() []route {
	return []route{
		{method: "PUT", path: "/client/v11/databases/{addon}/reset", summary: "Data API: empty a heroku-postgresql database (pg:reset); credentials stay", h: s.handlePGReset},
		{method: "PATCH", path: "/redis/v0/databases/{addon}/config", summary: "Data API: set a heroku-redis database's maxmemory_policy", h: s.handleRedisConfig},
	}
}

// handlePGReset drops every object of the database. Members of the add-on's app only.
func (s *Server) handlePGReset(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, postgresService)
	if err != nil {
		return err
	}
	var body wire.DatabaseReset
	if err := decode(r, &body, true); err != nil {
		return err
	}
	if len(body.Extensions) > 0 {
		return bera.Errorf(bera.EInvalid, "pg:reset --extensions is not supported: reset, then CREATE EXTENSION in pg:psql.")
	}
	if !s.canSee(r.Context(), a.AppID) {
		return bera.Errorf(bera.EForbidden, "Only members of %s, the add-on's app, can reset %s.", a.AppName, a.Name)
	}
	rs, ok := prov.(addons.Resetter)
	if !ok {
		return bera.Errorf(bera.EInvalid, "%s cannot be reset.", a.Name)
	}
	if err := rs.Reset(r.Context(), a.ID); err != nil {
		return instanceErr(err)
	}
	s.log.Info("add-on reset", "addon", a.Name, "app", a.AppName)
	return writeJSON(w, http.StatusOK, wire.DataMessage{Message: "Database reset."})
}

func (s *Server) handleRedisConfig(w http.ResponseWriter, r *http.Request) error {
	a, prov, err := s.dataAddon(r, redisService)
	if err != nil {
		return err
	}
	var body wire.RedisConfigUpdate
	if err := decode(r, &body, false); err != nil {
		return err
	}
	if body.MaxmemoryPolicy == nil {
		return bera.Errorf(bera.EInvalid, "Bera's heroku-redis only sets maxmemory_policy.")
	}
	ps, ok := prov.(addons.PolicySetter)
	if !ok {
		return bera.Errorf(bera.EInvalid, "%s has no maxmemory policy.", a.Name)
	}
	err = ps.SetPolicy(r.Context(), a.ID, *body.MaxmemoryPolicy)
	if errors.Is(err, addons.ErrInvalidPolicy) {
		return bera.Errorf(bera.EInvalid, "%q is not a maxmemory policy; one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl.", *body.MaxmemoryPolicy)
	}
	if err != nil {
		return instanceErr(err)
	}
	return writeJSON(w, http.StatusOK, wire.RedisConfig{MaxmemoryPolicy: wire.RedisSetting{Value: *body.MaxmemoryPolicy, Values: redisPolicies}})
}
