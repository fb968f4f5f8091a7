package server

import (
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/router"
)

// routeBackends turns the reconciler's up web dynos into router backends.
func routeBackends(up []dyno.Backend, crashed bool) ([]router.Backend, bool) {
	out := make([]router.Backend, 0, len(up))
	for _, b := range up {
		out = append(out, router.Backend{Dyno: b.Name, Addr: b.Addr})
	}
	return out, crashed
}
