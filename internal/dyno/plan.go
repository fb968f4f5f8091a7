// Package dyno keeps an app's dynos in line with its formation and current release: the
// reconciler starts, replaces, restarts and stops dynos through a runtime, tracks their
// state, and reports it. The decision of what to do is the pure function Plan.
package dyno

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Desired is one process type of the formation, on the release that should run.
type Desired struct {
	Type      string
	Quantity  int
	Size      string
	Command   string
	ReleaseID string
	// BootTimeout overrides Config.BootTimeout for web dynos when set; Plan ignores it.
	BootTimeout time.Duration
}

// Actual is a formation dyno as the reconciler knows it.
type Actual struct {
	ID        string // runtime id
	Name      string // web.1
	ReleaseID string
	Size      string
	Command   string
	State     string    // bera.Dyno* states
	RestartAt time.Time // for crashed dynos: when the back-off allows a restart
}

// ActionKind says what to do with one dyno name.
type ActionKind int

// Action kinds.
const (
	Start   ActionKind = iota // no dyno has this name: start one
	Replace                   // the dyno runs an old release, size or command: start a new one, then stop the old
	Restart                   // the dyno crashed and its back-off has passed
	Stop                      // the dyno is no longer in the formation
)

func (k ActionKind) String() string {
	return [...]string{"start", "replace", "restart", "stop"}[k]
}

// Action is one step of a plan. Old is the runtime id of the dyno to stop (Replace, Restart,
// Stop); Desired is what to start (Start, Replace, Restart).
type Action struct {
	Kind    ActionKind
	Name    string
	Old     string
	Desired Desired
}

func (a Action) String() string { return fmt.Sprintf("%s %s", a.Kind, a.Name) }

// Plan returns the actions that make actual match desired at time now, ordered by name with
// starts before stops, so capacity comes up before it goes down. One-off dynos (run.N,
// release.N) are not part of a formation and must not be passed in.
func Plan(desired []Desired, actual []Actual, now time.Time) []Action {
	byName := make(map[string]Actual, len(actual))
	for _, a := range actual {
		byName[a.Name] = a
	}
	var starts, stops []Action
	want := map[string]bool{}
	for _, d := range desired {
		for i := 1; i <= d.Quantity; i++ {
			name := d.Type + "." + strconv.Itoa(i)
			want[name] = true
			a, ok := byName[name]
			switch {
			case !ok:
				starts = append(starts, Action{Kind: Start, Name: name, Desired: d})
			case a.ReleaseID != d.ReleaseID || a.Size != d.Size || a.Command != d.Command:
				starts = append(starts, Action{Kind: Replace, Name: name, Old: a.ID, Desired: d})
			case a.State == "crashed" && !now.Before(a.RestartAt):
				starts = append(starts, Action{Kind: Restart, Name: name, Old: a.ID, Desired: d})
			}
		}
	}
	for _, a := range actual {
		if !want[a.Name] {
			stops = append(stops, Action{Kind: Stop, Name: a.Name, Old: a.ID})
		}
	}
	sortActions(starts)
	sortActions(stops)
	return append(starts, stops...)
}

// sortActions orders by type, then by number (web.2 before web.10).
func sortActions(as []Action) {
	sort.Slice(as, func(i, j int) bool {
		ti, ni := splitName(as[i].Name)
		tj, nj := splitName(as[j].Name)
		if ti != tj {
			return ti < tj
		}
		return ni < nj
	})
}

func splitName(name string) (string, int) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, 0
	}
	n, _ := strconv.Atoi(name[i+1:])
	return name[:i], n
}
