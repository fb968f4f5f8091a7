package redis

import (
	"errors"
	"slices"

	"github.com/kingvon-ke/bera/internal/addons"
)

// plan is a public plan plus what the provider does with it.
type plan struct {
	addons.Plan
	policy string
}

const mb = 1 << 20

var plans = []plan{
	{addons.Plan{Name: ServiceName + ":premium-0", HumanName: "Premium 0", Default: true,
		Description: "50 MB, 40 clients", Connections: 40, Memory: 50 * mb}, "noeviction"},
	{addons.Plan{Name: ServiceName + ":premium-1", HumanName: "Premium 1",
		Description: "100 MB, 80 clients", Connections: 80, Memory: 100 * mb}, "noeviction"},
	{addons.Plan{Name: ServiceName + ":premium-2", HumanName: "Premium 2",
		Description: "250 MB, 200 clients", Connections: 200, Memory: 250 * mb}, "noeviction"},
}

func publicPlans() []addons.Plan {
	out := make([]addons.Plan, len(plans))
	for i, p := range plans {
		out[i] = p.Plan
	}
	return out
}

func findPlan(name string) (plan, error) {
	svc := addons.Service{Name: ServiceName, Plans: publicPlans()}
	pl, err := svc.FindPlan(name)
	if err != nil {
		return plan{}, err
	}
	for _, p := range plans {
		if p.Name == pl.Name {
			return p, nil
		}
	}
	return plan{}, addons.ErrUnknownPlan
}

var errInvalidPolicy = errors.New("not a Redis maxmemory policy")

// policies are the values of redis.conf's maxmemory-policy.
var policies = []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

func validPolicy(s string) bool { return slices.Contains(policies, s) }
