package postgres

import "github.com/kingvon-ke/bera/internal/addons"

// plan is a public plan plus the server settings it gets.
type plan struct {
	addons.Plan
	shared bool
	// Dedicated servers' memory settings.
	sharedBuffers, workMem, maintenanceWorkMem, effectiveCache string
}

const mb = 1 << 20

var plans = []plan{
	{Plan: addons.Plan{Name: ServiceName + ":standard-0", HumanName: "Standard 0", Default: true,
		Description: "A dedicated PostgreSQL server: 128 MB, 20 connections", Connections: 20, Memory: 128 * mb},
		sharedBuffers: "32MB", workMem: "4MB", maintenanceWorkMem: "32MB", effectiveCache: "96MB"},
	{Plan: addons.Plan{Name: ServiceName + ":standard-2", HumanName: "Standard 2",
		Description: "A dedicated PostgreSQL server: 512 MB, 100 connections", Connections: 100, Memory: 512 * mb},
		sharedBuffers: "128MB", workMem: "4MB", maintenanceWorkMem: "64MB", effectiveCache: "384MB"},
	{Plan: addons.Plan{Name: ServiceName + ":shared", HumanName: "Shared",
		Description: "A database and a role on the operator's PostgreSQL server, 20 connections", Connections: 20},
		shared: true},
}

// publicPlans lists the plans offered: the shared one only with a shared server.
func (p *Provider) publicPlans() []addons.Plan {
	var out []addons.Plan
	for _, pl := range plans {
		if !pl.shared || p.cfg.SharedURL != "" {
			out = append(out, pl.Plan)
		}
	}
	return out
}

func (p *Provider) findPlan(name string) (plan, error) {
	pl, err := addons.Service{Name: ServiceName, Plans: p.publicPlans()}.FindPlan(name)
	if err != nil {
		if p.cfg.SharedURL == "" && (name == "shared" || name == ServiceName+":shared") {
			return plan{}, errShared
		}
		return plan{}, err
	}
	for _, q := range plans {
		if q.Name == pl.Name {
			return q, nil
		}
	}
	return plan{}, addons.ErrUnknownPlan
}
