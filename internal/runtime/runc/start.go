package runc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/runtime"
)

// Start creates the dyno's directory, network namespace and bundle, and runs it.
func (r *Runtime) Start(ctx context.Context, spec runtime.DynoSpec) (runtime.Status, error) {
	d, err := r.start(ctx, spec, nil)
	if err != nil {
		return runtime.Status{}, err
	}
	return d.snapshot(), nil
}

// Attach starts a one-off dyno whose stdio is the returned session.
func (r *Runtime) Attach(ctx context.Context, spec runtime.DynoSpec, tty bool) (*runtime.Session, error) {
	stdio, err := runtime.NewStdio(tty)
	if err != nil {
		return nil, err
	}
	_, err = r.start(ctx, spec, stdio)
	stdio.CloseChild()
	if err != nil {
		stdio.Session.Close()
		return nil, err
	}
	stdio.Session.ID = spec.ID
	return stdio.Session, nil
}

func (r *Runtime) start(ctx context.Context, spec runtime.DynoSpec, stdio *runtime.Stdio) (*dyno, error) {
	if err := validate(spec); err != nil {
		return nil, err
	}
	if spec.Port == 0 {
		spec.Port = r.cfg.Port
	}
	var img *ImageMounts
	if len(spec.ImageLayers) > 0 {
		var err error
		upper, work := r.overlayDirs(r.dynoDir(spec.ID))
		if img, err = imageMounts(spec, r.cfg.Launcher, upper, work); err != nil {
			return nil, err
		}
	}
	addr, err := r.reserve(spec.ID, spec.Network)
	if err != nil {
		return nil, err
	}
	d, err := r.create(ctx, spec, img, addr, stdio)
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.reserved, spec.ID)
	if err != nil {
		delete(r.ips, addr)
		return nil, fmt.Errorf("start dyno %s: %w", spec.ID, err)
	}
	r.dynos[spec.ID] = d
	r.watchLocked(d)
	r.log.InfoContext(ctx, "dyno started", "app", spec.App, "dyno", spec.Name, "addr", d.status.Addr)
	return d, nil
}

func validate(spec runtime.DynoSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	if len(spec.ImageLayers) == 0 && (!filepath.IsAbs(spec.SlugDir) || strings.ContainsAny(spec.SlugDir, ",:")) {
		return bera.Errorf(bera.EInvalid, "Dyno %s: the slug directory must be an absolute path without ',' or ':'.", spec.Name)
	}
	if spec.UIDOrDefault() == 0 {
		return bera.Errorf(bera.EInvalid, "Dyno %s cannot run as root.", spec.Name)
	}
	return nil
}

// reserve claims the id and the first free address of the network netName ("" for the
// common one).
func (r *Runtime) reserve(id, netName string) (netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.closed:
		return netip.Addr{}, runtime.ErrClosed
	case r.dynos[id] != nil || r.reserved[id]:
		return netip.Addr{}, runtime.Conflict(id)
	}
	if _, err := os.Stat(r.dynoDir(id)); err == nil {
		return netip.Addr{}, runtime.Conflict(id)
	}
	n, nextIP, err := r.netForLocked(netName)
	if err != nil {
		return netip.Addr{}, err
	}
	// From nextIP to the end of the subnet, then from its start up to nextIP.
	for pass, start := range []int{*nextIP, 0} {
		for i := start; pass == 0 || i < *nextIP; i++ {
			a, ok := n.addr(i)
			if !ok {
				break
			}
			if _, used := r.ips[a]; !used {
				r.ips[a] = id
				r.reserved[id] = true
				*nextIP = i + 1
				return a, nil
			}
		}
	}
	return netip.Addr{}, bera.Errorf(bera.EUnavailable, "No free dyno address on %s.", n.bridge)
}

// create lays out the dyno's directory and network and launches it; on failure it undoes
// what it did.
func (r *Runtime) create(ctx context.Context, spec runtime.DynoSpec, img *ImageMounts, addr netip.Addr, stdio *runtime.Stdio) (*dyno, error) {
	cid := r.containerID(spec.ID)
	dir := r.dynoDir(spec.ID)
	m := meta{ID: spec.ID, App: spec.App, AppID: spec.AppID, Name: spec.Name, Type: spec.Type,
		ContainerID: cid, IP: addr.String(), Port: spec.Port, StartedAt: time.Now().UTC(), Network: spec.Network}
	n := r.netOf(spec.Network)
	err := r.layout(ctx, dir, spec, m, n)
	if err == nil {
		err = n.attach(ctx, cid, addr)
	}
	if err == nil {
		err = r.admit(addr, spec.AppID)
	}
	if err == nil {
		err = r.writeBundle(dir, spec, img, cid, stdio.TTY())
	}
	var d *dyno
	if err == nil {
		d, err = r.launch(ctx, dir, m, stdio)
	}
	if err != nil {
		cleanup := context.WithoutCancel(ctx)
		r.runc(cleanup, "delete", "--force", cid)
		// A runc killed while creating the container can leave its processes running with
		// no state for delete to find: they are in the dyno's cgroup all the same.
		if n := KillCgroup(cid); n > 0 {
			r.log.Warn("killed the processes of a dyno that did not start", "dyno", spec.Name, "count", n)
		}
		r.dismiss(addr)
		n.detach(cleanup, cid)
		if uerr := unmountDisk(dir); uerr != nil {
			r.log.Error("clean up a dyno that did not start", "dyno", spec.Name, "err", uerr)
			return nil, err // its directory stays: removing it would go into the mount
		}
		os.RemoveAll(dir)
		return nil, err
	}
	return d, nil
}

// layout makes the dyno directory: meta, its own /etc, and the disk holding the overlay's
// upper and work directories, the upper one owned by the dyno's uid so /app is writable.
// The meta comes before the disk, so a server killed in between leaves a dyno that the
// next one adopts and, finding it dead, removes with its disk.
func (r *Runtime) layout(ctx context.Context, dir string, spec runtime.DynoSpec, m meta, n network) error {
	uid := spec.UIDOrDefault()
	for _, sub := range []string{"", "etc/ssl/certs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return err
	}
	resolv := r.resolv
	if n.space {
		// The space's resolver answers its names and forwards the others.
		resolv = "nameserver " + n.gateway().String() + "\n"
	}
	for name, content := range EtcFiles(spec, m.IP, resolv) {
		if err := os.WriteFile(filepath.Join(dir, "etc", name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	if err := writeMeta(dir, m); err != nil {
		return err
	}
	return r.mountDisk(ctx, dir, m.ContainerID, diskMB(spec.SizeOrDefault()), uid)
}

// overlayDirs are the upper and work directories of the dyno's overlay, on its disk.
func (r *Runtime) overlayDirs(dir string) (upper, work string) {
	return filepath.Join(dir, diskMount, "upper"), filepath.Join(dir, diskMount, "work")
}

func (r *Runtime) writeBundle(dir string, spec runtime.DynoSpec, img *ImageMounts, cid string, tty bool) error {
	upper, work := r.overlayDirs(dir)
	s := BuildSpec(Bundle{Dyno: spec, ContainerID: cid, RootFS: r.rootFS(), EtcDir: filepath.Join(dir, "etc"),
		UpperDir: upper, WorkDir: work, CACerts: r.cfg.CACerts, Image: img,
		NetNS: NetNSPath(cid), Port: spec.Port, TTY: tty, Seccomp: r.seccomp, HostWithoutIPv6: r.noIPv6})
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600)
}

// Shim scripts run runc in the foreground and record its exit status in $0/exit once all
// output is written. They run in their own session, so they and the dyno outlive the server.
// The logging one pipes stdout and stderr into `split`, which writes numbered chunks
// (stdout.000000, stdout.000001, ...) of at most chunkBytes: the runtime deletes each chunk
// once delivered, so a chatty dyno's output is bounded on disk without losing a byte.
const (
	attachedShim = `"$@"; echo $? >"$0/exit.tmp" && mv "$0/exit.tmp" "$0/exit"`
	loggingShim  = `{ { "$@"; echo $? >"$0/exit.tmp"; } 2>&1 1>&3 3>&- | split -b ` + chunkBytes + ` -d -a 6 - "$0/stderr."; } 3>&1 | split -b ` + chunkBytes + ` -d -a 6 - "$0/stdout."
mv "$0/exit.tmp" "$0/exit"`
	chunkBytes = "4M"
)

// launch starts the shim and waits until runc has written the container's pid.
func (r *Runtime) launch(ctx context.Context, dir string, m meta, stdio *runtime.Stdio) (*dyno, error) {
	script := loggingShim
	if stdio != nil {
		script = attachedShim
	}
	cmd := exec.Command("/bin/sh", "-c", script, dir,
		r.cfg.Runc, "--root", r.stateDir(), "--log", filepath.Join(dir, "runc.log"),
		"run", "--keep", "--bundle", dir, "--pid-file", filepath.Join(dir, "pid"), m.ContainerID)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = stdio.SysProcAttr()
	if stdio != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Child[0], stdio.Child[1], stdio.Child[2]
	} else if err := shimLog(cmd, dir); err != nil {
		return nil, err
	}
	err := cmd.Start()
	closeFiles(cmd)
	if err != nil {
		return nil, fmt.Errorf("start runc: %w", err)
	}
	d := newDyno(m, dir, stdio == nil)
	go func() { cmd.Wait(); close(d.shimDone) }()
	pid, err := awaitPID(ctx, dir, d.shimDone)
	if err != nil {
		// Stop the shim (its own process group) before the caller deletes the container: a
		// runc still starting it would otherwise finish after the delete and leave a dyno
		// running that nothing tracks, holding an address that is handed out again.
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) //nolint:errcheck // it may be gone
		<-d.shimDone
		return nil, err
	}
	d.status.PID = pid
	return d, nil
}

// shimLog sends what the shim itself says (runc's fatal errors) to shim.log.
func shimLog(cmd *exec.Cmd, dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, "shim.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = f, f
	return nil
}

func closeFiles(cmd *exec.Cmd) {
	if f, ok := cmd.Stdout.(*os.File); ok {
		f.Close()
	}
}

// awaitPID polls for runc's pid file: runc run stays in the foreground, so the file is the
// only sign that the container started.
func awaitPID(ctx context.Context, dir string, shimDone <-chan struct{}) (int, error) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if pid, ok := readPID(dir); ok {
			return pid, nil
		}
		select {
		case <-shimDone:
			// A quick dyno may have run and exited between two looks at the pid file.
			if pid, ok := readPID(dir); ok {
				return pid, nil
			}
			log, _ := os.ReadFile(filepath.Join(dir, "shim.log"))
			return 0, fmt.Errorf("runc run exited before the dyno started: %s", lastLine(log))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// readPID reads the pid runc wrote (atomically, by rename) once the container started.
func readPID(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "pid"))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
