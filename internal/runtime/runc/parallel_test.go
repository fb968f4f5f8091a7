package runc_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// Many dynos started at once each get an address of their own, a network namespace of
// their own, and serve on their port; stopped at once, they leave nothing behind.
func TestStartManyAtOnce(t *testing.T) {
	const n = 12
	e := runtimetest.NewEnv(t, newRuntime)
	specs := make([]runtime.DynoSpec, n)
	for i := range specs {
		specs[i] = e.Spec(fmt.Sprintf("web.%d", i+1), runtimetest.ServeCommand)
	}
	statuses := make([]runtime.Status, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range specs {
		wg.Go(func() { statuses[i], errs[i] = e.RT.Start(t.Context(), specs[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Start(%s): %v", specs[i].Name, err)
		}
	}
	if t.Failed() {
		return // the cleanup stops what started
	}

	addrs := map[string]string{}
	netns := map[string]string{}
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range statuses {
		name := specs[i].Name
		if other, ok := addrs[st.Addr]; ok {
			t.Errorf("%s and %s share the address %s", name, other, st.Addr)
		}
		addrs[st.Addr] = name
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", st.PID))
		if err != nil {
			t.Errorf("%s's network namespace: %v", name, err)
			continue
		}
		if other, ok := netns[ns]; ok || ns == self {
			t.Errorf("%s is in the network namespace %s of %q (the host's is %s)", name, ns, other, self)
		}
		netns[ns] = name
		if _, err := os.Stat(runc.NetNSPath(testPrefix + specs[i].ID)); err != nil {
			t.Errorf("%s has no named namespace: %v", name, err)
		}
	}
	for i, st := range statuses {
		e.MustAwait(specs[i].ID, "listening")
		if got, want := runtimetest.MustGet(t, st.Addr), "hello from "+specs[i].Name; got != want {
			t.Errorf("%s at %s answered %q, want %q", specs[i].Name, st.Addr, got, want)
		}
	}

	for i := range specs {
		wg.Go(func() { _, errs[i] = e.RT.Stop(context.Background(), specs[i].ID, time.Second) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Stop(%s): %v", specs[i].Name, err)
		}
	}
	if left := runc.Leftovers(testPrefix, testBridge); len(left) > 0 {
		t.Errorf("left behind after the stops:\n  %s", strings.Join(left, "\n  "))
	}
	if list, err := e.RT.List(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("List after the stops = %d dynos, %v; want none", len(list), err)
	}
}
