package dyno

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// RunOnce runs command as a one-off dyno named name (release.N for the release phase) on
// rel's slug and config, copies its output to out and to the app's log stream, and returns
// its exit code. The dyno is removed afterwards.
func (r *Reconciler) RunOnce(ctx context.Context, appID string, rel *bera.Release, name, command string, out io.Writer) (int, error) {
	att, ok := r.cfg.Runtime.(runtime.Attacher)
	if !ok {
		return 0, bera.Errorf(bera.EUnavailable, "This runtime cannot run one-off dynos.")
	}
	typ, _ := splitName(name)
	size, _ := bera.LookupDynoSize(bera.DefaultDynoSize)
	spec := runtime.DynoSpec{ID: oneOffID(), App: appID, AppID: appID, Name: name, Type: typ, Command: command,
		Env: rel.Config, Size: size}
	if err := r.cfg.Slugs.Prepare(ctx, rel.SlugID, &spec); err != nil {
		return 0, fmt.Errorf("prepare slug: %w", err)
	}
	var err error
	if spec.Network, err = r.networkOf(ctx, appID); err != nil {
		return 0, err
	}
	r.cfg.Log(appID, "heroku", name, "Starting process with command `"+command+"`")
	sess, err := att.Attach(ctx, spec, false)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	defer sess.Close()
	sess.Stdin.Close()
	r.stateChanged(appID, name, "starting", "up")
	var mu sync.Mutex // out is shared by both streams
	var wg sync.WaitGroup
	for _, stream := range []io.Reader{sess.Stdout, sess.Stderr} {
		if stream == nil {
			continue
		}
		wg.Go(func() { r.copyLines(appID, name, stream, out, &mu) })
	}
	st, err := r.cfg.Runtime.Wait(ctx, sess.ID)
	wg.Wait()
	r.cfg.Runtime.Stop(context.WithoutCancel(ctx), sess.ID, time.Second)
	if err != nil {
		return 0, fmt.Errorf("wait for %s: %w", name, err)
	}
	r.cfg.Log(appID, "heroku", name, fmt.Sprintf("Process exited with status %d", st.ExitCode))
	r.stateChanged(appID, name, "up", "complete")
	return st.ExitCode, nil
}

// copyLines sends each line of a one-off dyno's output to out and to the logs.
func (r *Reconciler) copyLines(appID, name string, in io.Reader, out io.Writer, mu *sync.Mutex) {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		mu.Lock()
		fmt.Fprintln(out, sc.Text())
		mu.Unlock()
		r.cfg.Log(appID, "app", name, sc.Text())
	}
}

// oneOffID is a runtime id that parseDynoID does not take for a formation dyno, so a server
// restart never adopts a one-off into the formation.
func oneOffID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "o" + hex.EncodeToString(b)
}
