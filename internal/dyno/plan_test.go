package dyno_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/dyno"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	web := func(q int, rel string) dyno.Desired {
		return dyno.Desired{Type: "web", Quantity: q, Size: "standard-1X", Command: "./web", ReleaseID: rel}
	}
	up := func(name, rel string) dyno.Actual {
		return dyno.Actual{ID: "id-" + name + "-" + rel, Name: name, ReleaseID: rel, Size: "standard-1X", Command: "./web", State: "up"}
	}
	tests := []struct {
		name    string
		desired []dyno.Desired
		actual  []dyno.Actual
		want    string
	}{
		{"NothingToDo", []dyno.Desired{web(1, "r1")}, []dyno.Actual{up("web.1", "r1")}, "[]"},
		{"ScaleUpFrom0", []dyno.Desired{web(3, "r1")}, nil, "[start web.1 start web.2 start web.3]"},
		{"ScaleDown", []dyno.Desired{web(1, "r1")}, []dyno.Actual{up("web.1", "r1"), up("web.2", "r1"), up("web.10", "r1")}, "[stop web.2 stop web.10]"},
		{"ScaleTo0", []dyno.Desired{web(0, "r1")}, []dyno.Actual{up("web.1", "r1")}, "[stop web.1]"},
		{"NewRelease", []dyno.Desired{web(2, "r2")}, []dyno.Actual{up("web.1", "r1"), up("web.2", "r1")}, "[replace web.1 replace web.2]"},
		{"TypeRemoved", []dyno.Desired{web(1, "r2")}, []dyno.Actual{up("web.1", "r2"), {ID: "w", Name: "worker.1", ReleaseID: "r1", State: "up"}}, "[stop worker.1]"},
		{"StartsBeforeStops", []dyno.Desired{web(1, "r1"), {Type: "worker", Quantity: 1, ReleaseID: "r1"}}, []dyno.Actual{up("web.1", "r1"), up("web.2", "r1")}, "[start worker.1 stop web.2]"},
		{"CrashedWaitsForBackoff", []dyno.Desired{web(1, "r1")}, []dyno.Actual{{ID: "c", Name: "web.1", ReleaseID: "r1", Size: "standard-1X", Command: "./web", State: "crashed", RestartAt: now.Add(time.Minute)}}, "[]"},
		{"CrashedRestarts", []dyno.Desired{web(1, "r1")}, []dyno.Actual{{ID: "c", Name: "web.1", ReleaseID: "r1", Size: "standard-1X", Command: "./web", State: "crashed", RestartAt: now}}, "[restart web.1]"},
		{"Resized", []dyno.Desired{{Type: "web", Quantity: 1, Size: "standard-2X", Command: "./web", ReleaseID: "r1"}}, []dyno.Actual{up("web.1", "r1")}, "[replace web.1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fmt.Sprint(dyno.Plan(tt.desired, tt.actual, now))
			if got != tt.want {
				t.Errorf("Plan = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPlan_ReplaceStopsTheOldDyno(t *testing.T) {
	acts := dyno.Plan([]dyno.Desired{{Type: "web", Quantity: 1, ReleaseID: "r2"}}, []dyno.Actual{{ID: "old", Name: "web.1", ReleaseID: "r1"}}, time.Now())
	if len(acts) != 1 || acts[0].Old != "old" || acts[0].Desired.ReleaseID != "r2" {
		t.Fatalf("acts = %+v", acts)
	}
}
