package runc

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.UsageReporter = (*Runtime)(nil)

// Usage implements runtime.UsageReporter: it reads the dyno's cgroup, /bera/<container id>
// (the spec's CgroupsPath), v1 or v2.
func (r *Runtime) Usage(ctx context.Context, id string) (runtime.Usage, error) {
	d, err := r.lookup(id)
	if err != nil {
		return runtime.Usage{}, err
	}
	if st := d.snapshot(); st.State != runtime.StateRunning {
		return runtime.Usage{}, fmt.Errorf("dyno %s: %w", id, runtime.ErrNotRunning)
	}
	return runtime.ReadCgroup(runtime.CgroupRoot, "bera/"+r.containerID(id))
}
