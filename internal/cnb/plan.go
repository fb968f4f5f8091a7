package cnb

import (
	"errors"
	"fmt"
	"os"
)

// Provide is a [[provides]] entry of a detect build plan.
type Provide struct {
	Name string `toml:"name"`
}

// Require is a [[requires]] entry of a detect build plan.
type Require struct {
	Name     string         `toml:"name"`
	Metadata map[string]any `toml:"metadata,omitempty"`
}

// PlanSections is one alternative of a detect build plan.
type PlanSections struct {
	Provides []Provide `toml:"provides"`
	Requires []Require `toml:"requires"`
}

// DetectPlan is what bin/detect writes to CNB_BUILD_PLAN_PATH.
type DetectPlan struct {
	Provides []Provide      `toml:"provides"`
	Requires []Require      `toml:"requires"`
	Or       []PlanSections `toml:"or"`
}

// ParseDetectPlan parses a build plan written by bin/detect.
func ParseDetectPlan(data []byte) (*DetectPlan, error) {
	var p DetectPlan
	if err := decodeTOML(data, &p); err != nil {
		return nil, err
	}
	for _, s := range p.alternatives() {
		if err := s.validate(); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func (s PlanSections) validate() error {
	for _, p := range s.Provides {
		if p.Name == "" {
			return errors.New("build plan: provides entry without name")
		}
	}
	for _, r := range s.Requires {
		if r.Name == "" {
			return errors.New("build plan: requires entry without name")
		}
	}
	return nil
}

// alternatives is the primary plan followed by each `or` alternative.
func (p *DetectPlan) alternatives() []PlanSections {
	return append([]PlanSections{{Provides: p.Provides, Requires: p.Requires}}, p.Or...)
}

// Plan is plan.toml, the resolved build plan of the detect phase.
type Plan struct {
	Entries []PlanEntry `toml:"entries"`
}

// PlanEntry is one dependency: who provides it and every requirement of it.
type PlanEntry struct {
	Providers []GroupEntry `toml:"providers"`
	Requires  []Require    `toml:"requires"`
}

// BuildpackPlan is the plan one buildpack receives at CNB_BP_PLAN_PATH.
type BuildpackPlan struct {
	Entries []Require `toml:"entries"`
}

// forBuildpack is the part of the plan that bp provides.
func (p Plan) forBuildpack(id string) BuildpackPlan {
	var out BuildpackPlan
	for _, e := range p.Entries {
		if providedBy(e, id) {
			out.Entries = append(out.Entries, e.Requires...)
		}
	}
	return out
}

// without drops the entries that bp provides, except the unmet names: those
// stay for a later provider.
func (p Plan) without(id string, unmet map[string]bool) Plan {
	var out Plan
	for _, e := range p.Entries {
		if providedBy(e, id) && !unmet[e.name()] {
			continue
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// name is the dependency name of the entry.
func (e PlanEntry) name() string {
	if len(e.Requires) == 0 {
		return ""
	}
	return e.Requires[0].Name
}

func providedBy(e PlanEntry, id string) bool {
	for _, p := range e.Providers {
		if p.ID == id {
			return true
		}
	}
	return false
}

// candidate is one passing buildpack of a group with its plan alternatives.
type candidate struct {
	bp   GroupEntry
	alts []PlanSections
}

// option is one buildpack with the plan alternative chosen for a trial.
type option struct {
	bp       GroupEntry
	optional bool // may be dropped from the trial
	PlanSections
}

// options lists the alternatives of c; only the last one may be dropped,
// so every alternative is tried before an optional buildpack is left out.
func (c candidate) options() []option {
	out := make([]option, len(c.alts))
	for i, s := range c.alts {
		out[i] = option{bp: c.bp, optional: c.bp.Optional && i == len(c.alts)-1, PlanSections: s}
	}
	return out
}

var errPlanUnresolved = errors.New("build plan could not be resolved")

// resolvePlan picks one alternative per buildpack such that every require is
// provided by the same or an earlier buildpack and every provide is required
// by the same or a later one. Optional buildpacks whose plan cannot be met
// are dropped. The first combination in order wins.
// At most maxTrials combinations are tried, so buildpacks with many `or`
// alternatives cannot make detection run for ever.
func resolvePlan(cands []candidate) ([]GroupEntry, Plan, error) {
	budget := maxTrials
	return tryFrom(cands, nil, &budget)
}

// maxTrials bounds the combinations resolvePlan tries.
const maxTrials = 10000

var errTooManyTrials = errors.New("build plan has too many alternatives")

func tryFrom(cands []candidate, prefix []option, budget *int) ([]GroupEntry, Plan, error) {
	if len(cands) == 0 {
		if *budget--; *budget < 0 {
			return nil, Plan{}, errTooManyTrials
		}
		return trial(prefix)
	}
	for _, o := range cands[0].options() {
		group, plan, err := tryFrom(cands[1:], append(prefix[:len(prefix):len(prefix)], o), budget)
		if err == nil || errors.Is(err, errTooManyTrials) {
			return group, plan, err
		}
	}
	return nil, Plan{}, errPlanUnresolved
}

// trial checks one combination, dropping optional buildpacks with unmet
// dependencies until it is consistent or fails.
func trial(opts []option) ([]GroupEntry, Plan, error) {
	for {
		deps := newDepMap(opts)
		unmet := deps.unmet()
		if len(unmet) == 0 {
			break
		}
		var err error
		if opts, err = drop(opts, unmet); err != nil {
			return nil, Plan{}, err
		}
	}
	if len(opts) == 0 {
		return nil, Plan{}, errPlanUnresolved
	}
	group := make([]GroupEntry, len(opts))
	for i, o := range opts {
		group[i] = o.bp
	}
	return group, newDepMap(opts).plan(), nil
}

// drop removes the unmet buildpacks from opts, failing if one is required.
func drop(opts []option, unmet map[string]bool) ([]option, error) {
	var out []option
	for _, o := range opts {
		if !unmet[o.bp.ID] {
			out = append(out, o)
			continue
		}
		if !o.optional {
			return nil, fmt.Errorf("%w: %s", errPlanUnresolved, o.bp)
		}
	}
	return out, nil
}

// depMap tracks, per dependency name, its providers and requirements.
type depMap struct {
	names []string // first-seen order, for a stable plan.toml
	deps  map[string]*dep
}

type dep struct {
	providers     []GroupEntry
	requires      []Require
	extraProvides []GroupEntry // provided, not yet required by a later buildpack
	earlyRequires []GroupEntry // required before anyone provided it
}

func newDepMap(opts []option) depMap {
	m := depMap{deps: map[string]*dep{}}
	for _, o := range opts {
		for _, p := range o.Provides {
			d := m.get(p.Name)
			d.extraProvides = append(d.extraProvides, o.bp)
		}
		for _, r := range o.Requires {
			d := m.get(r.Name)
			d.providers = append(d.providers, d.extraProvides...)
			d.extraProvides = nil
			if len(d.providers) == 0 {
				d.earlyRequires = append(d.earlyRequires, o.bp)
			} else {
				d.requires = append(d.requires, r)
			}
		}
	}
	return m
}

func (m *depMap) get(name string) *dep {
	d, ok := m.deps[name]
	if !ok {
		d = &dep{}
		m.deps[name] = d
		m.names = append(m.names, name)
	}
	return d
}

// unmet is the set of buildpack ids with an unprovided require or an
// unrequired provide.
func (m depMap) unmet() map[string]bool {
	out := map[string]bool{}
	for _, d := range m.deps {
		for _, bp := range append(d.extraProvides, d.earlyRequires...) {
			out[bp.ID] = true
		}
	}
	return out
}

func (m depMap) plan() Plan {
	var p Plan
	for _, name := range m.names {
		d := m.deps[name]
		if len(d.providers) > 0 {
			p.Entries = append(p.Entries, PlanEntry{Providers: d.providers, Requires: d.requires})
		}
	}
	return p
}

// readDetectPlan reads the plan a passing bin/detect wrote (none is fine).
func readDetectPlan(path string) (*DetectPlan, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &DetectPlan{}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseDetectPlan(data)
}

// ParsePlan parses a plan.toml written by the detect phase.
func ParsePlan(data []byte) (Plan, error) {
	var p Plan
	if err := decodeTOML(data, &p); err != nil {
		return Plan{}, fmt.Errorf("plan.toml: %w", err)
	}
	return p, nil
}
