package process

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.UsageReporter = (*Runtime)(nil)

// Usage implements runtime.UsageReporter: it adds up the processes of the dyno's session
// in /proc (each dyno leads a session of its own, its children included).
func (r *Runtime) Usage(ctx context.Context, id string) (runtime.Usage, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Usage{}, err
	}
	st := d.snapshot()
	if st.State != runtime.StateRunning || st.PID <= 0 {
		return runtime.Usage{}, fmt.Errorf("dyno %s: %w", id, runtime.ErrNotRunning)
	}
	return runtime.ReadSession("/proc", st.PID)
}
