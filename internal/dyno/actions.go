package dyno

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// apply carries out a plan for one app. rel is the current release (nil when only stops).
func (r *Reconciler) apply(ctx context.Context, appID string, plan []Action, rel *bera.Release) {
	for _, a := range plan {
		switch a.Kind {
		case Start:
			r.start(ctx, appID, a, rel)
		case Replace:
			r.supersede(appID, a.Old)
			r.start(ctx, appID, a, rel)
		case Restart:
			r.stop(ctx, appID, a.Old, "Restarting")
			r.start(ctx, appID, a, rel)
		case Stop:
			r.stop(ctx, appID, a.Old, "Stopping all processes with SIGTERM")
		}
	}
}

// dynoID encodes the release and name into the runtime id, so adopted dynos can be matched
// to their release after a server restart: d<release hex>-<name>-<random>.
func dynoID(releaseID, name string) string {
	b := make([]byte, 3)
	rand.Read(b)
	return "d" + strings.ReplaceAll(releaseID, "-", "") + "-" + strings.ReplaceAll(name, ".", "_") + "-" + hex.EncodeToString(b)
}

// parseDynoID reverses dynoID; ok is false for ids Bera did not make.
func parseDynoID(id string) (releaseID, name string, ok bool) {
	parts := strings.Split(id, "-")
	if len(parts) != 3 || len(parts[0]) != 33 || parts[0][0] != 'd' {
		return "", "", false
	}
	h := parts[0][1:]
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], strings.ReplaceAll(parts[1], "_", "."), true
}

// start tracks a dyno for a.Desired as starting and has the runtime start it in the
// background, at most Config.ParallelStarts at a time: the dynos of one scale start side by
// side. launched carries on once the runtime answered.
func (r *Reconciler) start(ctx context.Context, appID string, a Action, rel *bera.Release) {
	d := a.Desired
	t := &tracked{Actual: Actual{ID: dynoID(d.ReleaseID, a.Name), Name: a.Name, ReleaseID: d.ReleaseID, Size: d.Size, Command: d.Command, State: bera.DynoStarting},
		AppID: appID, Type: d.Type, Version: rel.Version, StartedAt: r.cfg.Now(), UpdatedAt: r.cfg.Now(), replaces: a.Old, launching: true, boot: d.BootTimeout}
	if a.Kind == Restart {
		// The restarted dyno takes over what the crashed one was to replace, so the old
		// release's dyno still stops once a new one is up.
		t.replaces, t.crashes = r.restartOf(appID, a.Old)
	}
	r.put(t)
	r.cfg.Log(appID, "heroku", a.Name, "Starting process with command `"+d.Command+"`")
	spec := runtime.DynoSpec{ID: t.ID, App: appID, AppID: appID, Name: t.Name, Type: t.Type, Command: t.Command, Env: rel.Config}
	size := t.Size
	// Starts take their slots in the order of the plan (web.1 before web.2): each waits for
	// the one before it to have its slot.
	prev, mine := r.lastStart, make(chan struct{})
	r.lastStart = mine
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if !r.takeSlot(ctx, prev, mine) {
			return
		}
		var status runtime.Status
		var err error
		if spec.Network, err = r.networkOf(ctx, appID); err == nil {
			status, err = r.launch(ctx, spec, size, rel.SlugID)
		}
		<-r.slots
		r.send(ctx, event{kind: evLaunched, appID: appID, id: spec.ID, status: status, err: err})
	}()
}

// launched carries on with a dyno whose start returned: it watches a started dyno, or marks
// one that failed crashed. A dyno that was stopped meanwhile is stopped now.
func (r *Reconciler) launched(ctx context.Context, t *tracked, ev event) {
	r.update(func() { t.launching = false })
	if ev.err != nil {
		r.log.Error("start dyno", "app", t.AppID, "dyno", t.Name, "err", ev.err)
		r.cfg.Log(t.AppID, "heroku", t.Name, "Error R99 (Platform error) -> could not start the process")
		if t.stopping {
			r.remove(t)
			return
		}
		r.crashed(t, 0)
		return
	}
	r.update(func() { t.Addr = ev.status.Addr })
	r.wg.Add(1)
	go r.watchExit(ctx, t.AppID, t.ID)
	if t.stopping {
		r.terminate(ctx, t)
		return
	}
	boot := r.cfg.BootTimeout
	if t.boot > 0 {
		boot = t.boot
	}
	r.wg.Add(1)
	go r.watchBoot(ctx, t.AppID, t.ID, t.Type, ev.status.Addr, boot)
}

// takeSlot waits for the previous start (prev) to have its slot, then for a slot of its own;
// it closes mine either way. It is false when ctx ended first.
func (r *Reconciler) takeSlot(ctx context.Context, prev <-chan struct{}, mine chan<- struct{}) bool {
	defer close(mine)
	select {
	case <-prev:
	case <-ctx.Done():
		return false
	}
	select {
	case r.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (r *Reconciler) launch(ctx context.Context, spec runtime.DynoSpec, sizeName, slugID string) (runtime.Status, error) {
	if err := r.cfg.Slugs.Prepare(ctx, slugID, &spec); err != nil {
		return runtime.Status{}, fmt.Errorf("prepare slug: %w", err)
	}
	size, err := bera.LookupDynoSize(sizeName)
	if err != nil {
		size, _ = bera.LookupDynoSize(bera.DefaultDynoSize)
	}
	spec.Size = size
	return r.cfg.Runtime.Start(ctx, spec)
}

// watchExit reports when the dyno's process ends.
func (r *Reconciler) watchExit(ctx context.Context, appID, id string) {
	defer r.wg.Done()
	st, err := r.cfg.Runtime.Wait(ctx, id)
	if err != nil {
		return
	}
	r.send(ctx, event{kind: evExited, appID: appID, id: id, status: st})
}

// watchBoot reports a web dyno up once its port accepts connections, or a boot timeout.
// Other process types are up once started.
func (r *Reconciler) watchBoot(ctx context.Context, appID, id, typ, addr string, timeout time.Duration) {
	defer r.wg.Done()
	if typ != "web" {
		r.send(ctx, event{kind: evUp, appID: appID, id: id})
		return
	}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			return
		}
		if err := r.cfg.Probe(ctx, addr); err == nil {
			r.send(ctx, event{kind: evUp, appID: appID, id: id})
			return
		}
		if st, err := r.cfg.Runtime.Inspect(ctx, id); err != nil || st.State == runtime.StateExited {
			return // watchExit reports it
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.send(ctx, event{kind: evBootTimeout, appID: appID, id: id, boot: timeout})
}

func (r *Reconciler) send(ctx context.Context, ev event) {
	select {
	case r.events <- ev:
	case <-ctx.Done():
	}
}

// stop removes a dyno from service at once (router first) and stops it in the background;
// a dyno still starting is stopped once its start returned (launched).
func (r *Reconciler) stop(ctx context.Context, appID, id, why string) {
	t := r.get(appID, id)
	if t == nil || t.stopping {
		return
	}
	r.update(func() { t.stopping = true })
	r.cfg.OnChange(appID)
	if t.State != bera.DynoCrashed {
		r.cfg.Log(appID, "heroku", t.Name, why)
	}
	if !t.launching {
		r.terminate(ctx, t)
	}
}

// terminate drains and stops a stopping dyno in the background; evStopped reports the end.
func (r *Reconciler) terminate(ctx context.Context, t *tracked) {
	r.wg.Add(1)
	appID, id, name, addr := t.AppID, t.ID, t.Name, t.Addr
	go func() {
		defer r.wg.Done()
		if r.cfg.Drain != nil && addr != "" {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.StopGrace)
			r.cfg.Drain(dctx, addr)
			cancel()
		}
		st, err := r.cfg.Runtime.Stop(context.WithoutCancel(ctx), id, r.cfg.StopGrace)
		if err != nil && bera.ErrorCode(err) != bera.ENotFound {
			r.log.Error("stop dyno", "app", appID, "dyno", name, "err", err)
		}
		r.send(ctx, event{kind: evStopped, appID: appID, id: id, status: st})
	}()
}

// handle applies an event from a watcher.
func (r *Reconciler) handle(ctx context.Context, ev event) {
	t := r.get(ev.appID, ev.id)
	if t == nil {
		if ev.kind == evLaunched && ev.err == nil {
			// Nothing tracks it (cannot happen: a start in progress is never forgotten);
			// stop it rather than leave it running unseen.
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.cfg.Runtime.Stop(context.WithoutCancel(ctx), ev.id, 0) }()
		}
		return
	}
	switch ev.kind {
	case evLaunched:
		r.launched(ctx, t, ev)
	case evUp:
		if t.State == bera.DynoStarting && !t.stopping {
			r.setState(t, bera.DynoUp)
			if old := t.replaces; old != "" {
				r.update(func() { t.replaces = "" })
				r.stop(ctx, ev.appID, old, "Stopping all processes with SIGTERM")
			}
		}
	case evBootTimeout:
		if t.State == bera.DynoStarting && !t.stopping {
			r.cfg.Log(ev.appID, "heroku", t.Name, fmt.Sprintf("Error R10 (Boot timeout) -> Web process failed to bind to $PORT within %d seconds of launch", int(ev.boot.Seconds())))
			r.cfg.Log(ev.appID, "heroku", t.Name, "Stopping process with SIGKILL")
			r.crashed(t, 0)
			r.wg.Add(1)
			go func() { defer r.wg.Done(); r.cfg.Runtime.Stop(context.WithoutCancel(ctx), ev.id, 0) }()
		}
	case evExited:
		r.exited(ctx, t, ev.status)
	case evStopped:
		if ev.status.Killed {
			r.cfg.Log(ev.appID, "heroku", t.Name, "Error R12 (Exit timeout) -> At least one process failed to exit within 30 seconds of SIGTERM")
		}
		r.remove(t)
	}
	r.cfg.OnChange(ev.appID)
	if ev.kind != evUp && (ev.kind != evLaunched || ev.err != nil) {
		r.Converge(ev.appID)
	}
}

func (r *Reconciler) exited(ctx context.Context, t *tracked, st runtime.Status) {
	r.cfg.Log(t.AppID, "heroku", t.Name, fmt.Sprintf("Process exited with status %d", st.ExitCode))
	if t.stopping {
		r.setState(t, bera.DynoDown)
		return
	}
	if t.State == bera.DynoCrashed {
		return // already counted (boot timeout)
	}
	if st.OOMKilled {
		r.cfg.Log(t.AppID, "heroku", t.Name, "Error R15 (Memory quota vastly exceeded)")
	}
	r.crashed(t, st.ExitCode)
}

// crashed marks t crashed and sets its restart back-off: at once after the first crash,
// then 10 s, 20 s, 40 s … up to 20 minutes.
func (r *Reconciler) crashed(t *tracked, _ int) {
	r.update(func() {
		t.crashes++
		delay := time.Duration(0)
		if t.crashes > 1 {
			delay = min(20*time.Minute, 10*time.Second<<min(t.crashes-2, 10))
		}
		t.RestartAt = r.cfg.Now().Add(delay)
	})
	r.setState(t, bera.DynoCrashed)
}

// update runs f with the state lock held: the owner goroutine writes, API goroutines read.
func (r *Reconciler) update(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

func (r *Reconciler) setState(t *tracked, state string) {
	r.mu.Lock()
	from := t.State
	t.State, t.UpdatedAt = state, r.cfg.Now()
	r.mu.Unlock()
	if from != state {
		r.stateChanged(t.AppID, t.Name, from, state)
	}
}

// stateChanged writes a dyno's "State changed" platform line, as Heroku shows it, and
// publishes the change.
func (r *Reconciler) stateChanged(appID, name, from, to string) {
	r.cfg.Log(appID, "heroku", name, "State changed from "+from+" to "+to)
	r.cfg.Events.Publish(events.Event{AppID: appID, Time: r.cfg.Now(), Payload: events.DynoState{Dyno: name, From: from, To: to}})
}

// networkOf is the Private Space the app's dynos join, "" for the common runtime.
func (r *Reconciler) networkOf(ctx context.Context, appID string) (string, error) {
	if r.cfg.NetworkOf == nil {
		return "", nil
	}
	return r.cfg.NetworkOf(ctx, appID)
}
