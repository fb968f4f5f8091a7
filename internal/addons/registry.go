package addons

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrUnknownService means no registered provider serves that service name.
var ErrUnknownService = errors.New("unknown add-on service")

// Registry maps service names to their providers. It is filled once at start-up and
// read-only afterwards, so it needs no lock.
type Registry struct {
	providers map[string]Provider
}

// NewRegistry returns a registry of providers; two providers of one service are an error.
func NewRegistry(providers ...Provider) (*Registry, error) {
	r := &Registry{providers: map[string]Provider{}}
	for _, p := range providers {
		name := p.Service().Name
		if _, dup := r.providers[name]; dup {
			return nil, fmt.Errorf("add-on service %s registered twice", name)
		}
		r.providers[name] = p
	}
	return r, nil
}

// Services lists the registered services sorted by name.
func (r *Registry) Services() []Service {
	out := make([]Service, 0, len(r.providers))
	for _, p := range r.providers {
		out = append(out, p.Service())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Provider returns the provider of service. Returns ErrUnknownService.
func (r *Registry) Provider(service string) (Provider, error) {
	p, ok := r.providers[service]
	if !ok {
		return nil, ErrUnknownService
	}
	return p, nil
}

// Lookup resolves "service:plan" or "service" (its default plan) to a provider and plan.
// Returns ErrUnknownService or ErrUnknownPlan.
func (r *Registry) Lookup(name string) (Provider, Plan, error) {
	service, plan, _ := strings.Cut(name, ":")
	p, err := r.Provider(service)
	if err != nil {
		return nil, Plan{}, err
	}
	pl, err := p.Service().FindPlan(plan)
	if err != nil {
		return nil, Plan{}, err
	}
	return p, pl, nil
}

// Close closes every provider, leaving their instances running.
func (r *Registry) Close() error {
	var errs []error
	for _, p := range r.providers {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}
