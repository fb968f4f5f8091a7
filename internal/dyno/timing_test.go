package dyno_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/dyno"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// A web dyno that never binds $PORT is killed after the boot timeout (R10) and restarted:
// at once after the first crash, then after 10 s, 20 s, 40 s, 80 s.
func TestReconciler_BootTimeoutRestartsWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.release(map[string]string{"BIND": "never"})
		s.run(dyno.Config{})

		s.at(59 * time.Second)
		if got := s.dynos(); got != "web.1:v2:starting" {
			t.Errorf("before the boot timeout: %q, want web.1 starting", got)
		}
		s.at(195 * time.Second) // third timeout at 190 s, its restart due at 210 s
		if got := s.dynos(); got != "web.1:v2:crashed" {
			t.Errorf("in the back-off: %q, want web.1 crashed", got)
		}
		s.at(451 * time.Second)
		if got, want := s.startTimes("web.1"), seconds(0, 60, 130, 210, 310, 450); !slices.Equal(got, want) {
			t.Errorf("web.1 started at %v, want %v", got, want)
		}
		logs := strings.Join(s.logs.of("web.1"), "\n")
		r10 := "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch\nStopping process with SIGKILL"
		if n := strings.Count(logs, r10); n != 5 {
			t.Errorf("%d R10 lines followed by SIGKILL, want 5:\n%s", n, logs)
		}
		if running := s.rt.running(); !slices.Equal(running, []string{"web.1:v2"}) {
			t.Errorf("the runtime runs %v, want the one web.1 that is booting", running)
		}
	})
}

// The app's boot timeout (ps:boot-timeout) replaces the default for its web dynos.
func TestReconciler_AppBootTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		_, err := s.st.UpdateApp(t.Context(), s.app.ID, bera.AppUpdate{BootTimeout: new(5)})
		must(t, err)
		s.release(map[string]string{"BIND": "never"})
		s.run(dyno.Config{})
		s.at(6 * time.Second)
		logs := s.logs.of("web.1")
		if !slices.Contains(logs, "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 5 seconds of launch") {
			t.Errorf("no R10 after 5 s:\n%s", strings.Join(logs, "\n"))
		}
		if got, want := s.startTimes("web.1"), seconds(0, 5); !slices.Equal(got, want) {
			t.Errorf("web.1 started at %v, want %v", got, want)
		}
	})
}

// A dyno that keeps crashing is restarted at once, then after a back-off that doubles from
// 10 s up to 20 minutes; ps:restart starts it at once and forgets the back-off.
func TestReconciler_CrashBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.release(map[string]string{"EXIT_AFTER": "1s", "EXIT_CODE": "3"})
		s.run(dyno.Config{})

		s.at(3700 * time.Second)
		starts := s.startTimes("web.1")
		var waits []time.Duration
		for i := 1; i < len(starts); i++ {
			waits = append(waits, starts[i]-starts[i-1]-time.Second) // each run lasts 1 s
		}
		if want := seconds(0, 10, 20, 40, 80, 160, 320, 640, 1200, 1200); !slices.Equal(waits, want) {
			t.Errorf("waits between a crash and the restart: %v, want %v", waits, want)
		}
		logs := s.logs.of("web.1")
		if !slices.Contains(logs, "Process exited with status 3") || !slices.Contains(logs, "State changed from up to crashed") {
			t.Errorf("the crash is not in the logs:\n%s", strings.Join(logs[:min(len(logs), 8)], "\n"))
		}
		if got := s.dynos(); got != "web.1:v2:crashed" {
			t.Errorf("in a 20-minute back-off: %q", got)
		}

		s.rec.Restart(s.app.ID, "")
		s.at(3713 * time.Second)
		if got, want := s.startTimes("web.1")[len(starts):], seconds(3700, 3701, 3712); !slices.Equal(got, want) {
			t.Errorf("after ps:restart web.1 started at %v, want %v", got, want)
		}
	})
}

// A new release's dynos start beside the old ones, and each old dyno stops once its
// replacement is up: the router always has both web dynos. A release whose dynos never
// come up leaves the old ones serving.
func TestReconciler_NewReleaseReplacesOnceUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.scale("web", 2)
		s.release(nil)
		s.run(dyno.Config{})
		if got := s.backends(); got != "web.1:v2 web.2:v2" {
			t.Fatalf("backends %q, want v2's two web dynos", got)
		}

		s.at(10 * time.Second)
		s.release(map[string]string{"BIND": "5s"})
		s.at(14 * time.Second)
		if got := s.backends(); got != "web.1:v2 web.2:v2" {
			t.Errorf("while v3 boots the router has %q, want v2's dynos", got)
		}
		if got, want := s.rt.running(), []string{"web.1:v2", "web.1:v3", "web.2:v2", "web.2:v3"}; !slices.Equal(got, want) {
			t.Errorf("while v3 boots the runtime runs %v, want %v", got, want)
		}
		s.at(16 * time.Second)
		if got := s.backends(); got != "web.1:v3 web.2:v3" {
			t.Errorf("once v3 is up the router has %q, want v3's dynos", got)
		}
		if got, want := s.rt.running(), []string{"web.1:v3", "web.2:v3"}; !slices.Equal(got, want) {
			t.Errorf("once v3 is up the runtime runs %v, want %v", got, want)
		}
		for _, name := range []string{"web.1", "web.2"} {
			stops := s.rt.opsLike("stop " + name + " v2 ")
			if len(stops) != 1 || stops[0].at < 15*time.Second || stops[0].at > 15100*time.Millisecond {
				t.Errorf("%s v2 stopped %v, want once, when v3's came up at 15 s", name, stops)
			}
		}

		s.at(20 * time.Second)
		s.release(map[string]string{"BIND": "never"})
		s.at(145 * time.Second) // v4's dynos timed out at 80 s, and at 140 s after their restart (next one at 150 s)
		if got := s.backends(); got != "web.1:v3 web.2:v3" {
			t.Errorf("while v4 fails to boot the router has %q, want v3's dynos", got)
		}
		if n := len(s.startTimes("web.1")); n != 4 { // v2, v3, v4 at 20 s, v4 again at 80 s
			t.Errorf("web.1 started %d times, want 4", n)
		}
		s.at(200 * time.Second)
		s.release(nil)
		s.at(201 * time.Second)
		if got, want := s.rt.running(), []string{"web.1:v5", "web.2:v5"}; !slices.Equal(got, want) {
			t.Errorf("once v5 is up the runtime runs %v, want %v", got, want)
		}
		if got := s.dynos(); got != "web.1:v5:up web.2:v5:up" {
			t.Errorf("once v5 is up the dynos are %q", got)
		}
	})
}

// Scaling up starts the new dynos; scaling down takes them out of the list and stops them
// with SIGTERM, and SIGKILL (R12) when they do not exit within the grace period.
func TestReconciler_ScaleUpAndDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.release(map[string]string{"IGNORE_TERM": "1"})
		s.run(dyno.Config{})
		s.at(10 * time.Second)
		s.scale("web", 3)
		if got := s.dynos(); got != "web.1:v2:up web.2:v2:up web.3:v2:up" {
			t.Errorf("after ps:scale web=3: %q", got)
		}
		s.at(20 * time.Second)
		s.scale("web", 1)
		if got := s.backends(); got != "web.1:v2" {
			t.Errorf("after ps:scale web=1 the router has %q, want web.1 only", got)
		}
		s.at(49 * time.Second)
		if got := s.dynos(); got != "web.1:v2:up web.2:v2:down web.3:v2:down" {
			t.Errorf("in the 30 s grace period: %q", got)
		}
		s.at(51 * time.Second)
		if got := s.dynos(); got != "web.1:v2:up" {
			t.Errorf("after the grace period: %q", got)
		}
		for _, name := range []string{"web.2", "web.3"} {
			logs := strings.Join(s.logs.of(name), "\n")
			for _, want := range []string{"Stopping all processes with SIGTERM",
				"Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM"} {
				if !strings.Contains(logs, want) {
					t.Errorf("%s logged\n%s\nwant a line %q", name, logs, want)
				}
			}
		}
		if got := s.rt.running(); !slices.Equal(got, []string{"web.1:v2"}) {
			t.Errorf("the runtime runs %v", got)
		}
	})
}

// A scale starts its dynos ParallelStarts at a time, in name order.
func TestReconciler_ParallelStartsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.rt.startDelay = 3 * time.Second
		s.scale("web", 5)
		s.release(nil)
		s.run(dyno.Config{ParallelStarts: 2})
		s.at(8 * time.Second)
		if got := s.dynos(); got != "web.1:v2:up web.2:v2:up web.3:v2:up web.4:v2:up web.5:v2:starting" {
			t.Errorf("at 8 s: %q", got)
		}
		s.at(10 * time.Second)
		var got []string
		want := []string{"start web.1 v2@3s", "start web.2 v2@3s", "start web.3 v2@6s", "start web.4 v2@6s", "start web.5 v2@9s"}
		for _, o := range s.rt.opsLike("start ") {
			got = append(got, o.String())
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("starts %v, want %v", got, want)
		}
	})
}

// After a server restart, the reconciler keeps the dynos that match the formation and
// release, replaces one of an old release, restarts one that exited meanwhile, and stops a
// one-off dyno whose client went with the old server.
func TestReconciler_AdoptsWhatMatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.scale("web", 2)
		s.scale("worker", 1)
		v1 := s.rels[0]
		v2 := s.release(nil)
		left := []struct {
			id, name, typ string
			rel           *bera.Release
			exited        bool
		}{
			{adoptID(v2, "web_1"), "web.1", "web", v2, false},
			{adoptID(v1, "web_2"), "web.2", "web", v1, false},
			{adoptID(v2, "worker_1"), "worker.1", "worker", v2, true},
			{"o0123456789abcdef01234567", "run.1", "run", v2, false},
		}
		for _, d := range left {
			s.rt.mu.Lock()
			fd := s.rt.add(runtimeSpec(s.app, d.id, d.name, d.typ, d.rel), "running")
			fd.bound = true
			if d.exited {
				s.rt.exit(fd, 1)
			}
			s.rt.mu.Unlock()
		}
		s.run(dyno.Config{})
		s.at(time.Second)

		if got := s.dynos(); got != "web.1:v2:up web.2:v2:up worker.1:v2:up" {
			t.Errorf("dynos %q", got)
		}
		if got, want := s.rt.running(), []string{"web.1:v2", "web.2:v2", "worker.1:v2"}; !slices.Equal(got, want) {
			t.Errorf("the runtime runs %v, want %v", got, want)
		}
		var got []string
		for _, o := range s.rt.opsLike("") {
			got = append(got, o.what)
		}
		slices.Sort(got)
		want := []string{"start web.2 v2", "start worker.1 v2", "stop run.1 v2 grace=0s", "stop web.2 v1 grace=30s", "stop worker.1 v2 grace=30s"}
		if !slices.Equal(got, want) {
			t.Errorf("the runtime was asked to\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// runtimeSpec is how the reconciler would have started a dyno of rel.
func runtimeSpec(app *bera.App, id, name, typ string, rel *bera.Release) runtime.DynoSpec {
	env := maps.Clone(rel.Config)
	env["V"] = fmt.Sprintf("v%d", rel.Version)
	return runtime.DynoSpec{ID: id, App: app.Name, AppID: app.ID, Name: name, Type: typ, Command: "./" + typ, Env: env}
}

// adoptID is the runtime id the reconciler gives a dyno of rel (see dynoID).
func adoptID(rel *bera.Release, name string) string {
	return "d" + strings.ReplaceAll(rel.ID, "-", "") + "-" + name + "-a1b2c3"
}

// A pass reads the store once, whatever the number of apps; with nothing changing the
// reconciler reads it only at the resync, and a change costs one read of that app.
func TestReconciler_StoreReadsPerPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.release(nil)
		for i := range 4 {
			app := s.newApp(fmt.Sprintf("other-%d", i), s.app.OwnerID)
			s.releaseOf(app, 2, nil, func(*bera.Release) {})
		}
		s.run(dyno.Config{})
		if got := s.reads.take(); got != "ListApps=1 ListCurrent=1" {
			t.Errorf("start-up reads: %s", got)
		}
		if n := len(s.rt.running()); n != 5 {
			t.Fatalf("%d dynos run, want a web dyno for each of 5 apps", n)
		}
		s.at(61 * time.Second)
		if got := s.reads.take(); got != "ListCurrent=3" {
			t.Errorf("reads in a minute without changes: %s, want 3 passes of one read", got)
		}
		s.scale("web", 2)
		s.at(62 * time.Second)
		if got := s.reads.take(); got != "ListCurrent app=1" {
			t.Errorf("reads for a scale: %s, want one", got)
		}
		if got := s.dynos(); got != "web.1:v2:up web.2:v2:up" {
			t.Errorf("after the scale: %q", got)
		}
	})
}

// A pass whose store read fails is tried again 2 s later, not at the next resync.
func TestReconciler_RetriesFailedReads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t)
		s.release(nil)
		s.run(dyno.Config{})
		s.at(5 * time.Second)
		s.reads.take()
		s.reads.failNext(2)
		s.scale("web", 2) // read at 5 s, again at 7 s and 9 s
		s.at(8 * time.Second)
		if got := s.startTimes("web.2"); len(got) != 0 {
			t.Errorf("web.2 started at %v while the store failed", got)
		}
		s.at(10 * time.Second)
		if got, want := s.startTimes("web.2"), seconds(9); !slices.Equal(got, want) {
			t.Errorf("web.2 started at %v, want %v (two failed reads, 2 s apart)", got, want)
		}
		if got := s.reads.take(); got != "ListCurrent app=3" {
			t.Errorf("reads: %s, want the scale's and two retries", got)
		}
	})
}
