// Package runc runs each dyno as an OCI container under runc: the host's /usr as a
// read-only stack, its own /etc, /app an overlay on the slug whose writes go to a disk of
// the dyno's own bounded by its size (see disk.go), tmpfs /tmp bounded by its memory, an
// unprivileged uid, no capabilities, a seccomp filter, cgroup limits from the dyno size,
// and its own network namespace on a bridge, IPv4 only. Dynos outlive the server: each runs under a small shell
// shim (`runc run --keep` in its own session) that records the exit code, its output goes
// to log files in the dyno's directory, and List adopts what a previous server left.
// A dyno running a Cloud Native Buildpacks image (DynoSpec.ImageLayers) has, instead of
// /app, a read-only /layers and a /workspace overlay made of the image's unpacked layers,
// and the launcher at /cnb/lifecycle/launcher (see image.go).
package runc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/kingvon-ke/bera/internal/runtime"
)

var _ runtime.Runtime = (*Runtime)(nil)
var _ runtime.Attacher = (*Runtime)(nil)

// Config configures a runc runtime. Root is required; the rest have defaults.
type Config struct {
	// Root holds runc's state, the rootfs skeleton and one directory per dyno (bundle, /etc,
	// overlay, output logs). Use DATA/runc. It must not be on overlayfs.
	Root string
	// Prefix starts every container id, network namespace and cgroup name; default "bera-".
	Prefix string
	// Bridge is the bridge the dynos attach to, default "bera0", on Subnet, default
	// 10.88.0.0/16; the bridge takes the first address, dynos the following ones.
	Bridge string
	Subnet netip.Prefix
	// Runc is the runc binary, default "runc" from $PATH.
	Runc string
	// Port is $PORT of every dyno whose spec has none, default 5000.
	Port int
	// CACerts is the host directory of CA certificates given to dynos, default /etc/ssl/certs.
	CACerts string
	// Launcher is the host path of the program bound read-only at /cnb/lifecycle/launcher
	// in dynos that run a CNB image (DynoSpec.ImageLayers): the bera binary, which is the
	// launcher. Default: this program (os.Executable).
	Launcher string
	// Output receives every line the dynos write; nil discards them. It is called from the
	// runtime's goroutines, one per dyno stream, and should not block for long.
	Output func(runtime.Line)
	// Logger logs what the runtime does; nil means slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "bera-"
	}
	if c.Bridge == "" {
		c.Bridge = "bera0"
	}
	if !c.Subnet.IsValid() {
		c.Subnet = netip.MustParsePrefix("10.88.0.0/16")
	}
	if c.Runc == "" {
		c.Runc = "runc"
	}
	if c.Port == 0 {
		c.Port = 5000
	}
	if c.CACerts == "" {
		c.CACerts = "/etc/ssl/certs"
	}
	if c.Output == nil {
		c.Output = func(runtime.Line) {}
	}
	if c.Launcher == "" {
		c.Launcher, _ = os.Executable() // an error shows when an image dyno starts
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Runtime runs dynos under runc. Create it with New.
type Runtime struct {
	cfg     Config
	net     network
	log     *slog.Logger
	seccomp *specs.LinuxSeccomp
	resolv  string
	noIPv6  bool            // the host has no IPv6 at all
	ctx     context.Context // ends on Close; bounds the goroutines in wg
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	diskMu  sync.Mutex // serializes making disk templates
	hostMu  sync.Mutex // serializes loading the host ports set (taken before mu)
	notify  *notifier  // wakes the dynos' goroutines; nil without inotify (they poll)

	mu       sync.Mutex // guards the following
	dynos    map[string]*dyno
	reserved map[string]bool       // ids being started
	ips      map[netip.Addr]string // addresses in use, by dyno id
	// nextIP is where the search for a free address starts. Addresses go round the
	// subnet, so one just freed is not handed out again at once: whatever still knows it
	// (the host's neighbour and connection tables, a namespace the kernel has not torn
	// down yet, a request in flight) has time to forget it.
	nextIP int
	// ipApp gives the app id of the dyno at each address with a network, and hostPorts
	// the gateway ports each app's dynos may connect to (SetHostPorts).
	ipApp     map[netip.Addr]string
	hostPorts map[string][]int
	// spaces are the Private Spaces' networks, by name (EnsureNetwork).
	spaces map[string]*spaceAlloc
	closed bool
}

// Available reports why runc dynos cannot run here, or nil: it needs Linux, root and runc.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("runc dynos need root")
	}
	if _, err := exec.LookPath("runc"); err != nil {
		return fmt.Errorf("runc dynos need runc (apt-get install -y runc iproute2 nftables): %w", err)
	}
	for _, tool := range []string{"ip", "nft", "mkfs.ext4"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("runc dynos need %s (apt-get install -y iproute2 nftables e2fsprogs): %w", tool, err)
		}
	}
	return nil
}

// New prepares the state directories, the rootfs skeleton and the bridge, and returns a
// runtime. Dynos left by a previous runtime on the same Root are adopted by List; the build
// sandboxes it left, and dyno directories a start killed half-way left without a meta,
// are removed at once (see SandboxDir). Only one runtime may use a Root at a time.
func New(ctx context.Context, cfg Config) (*Runtime, error) {
	cfg.setDefaults()
	if cfg.Root == "" {
		return nil, errors.New("new runc runtime: Root is required")
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("new runc runtime: %w", err)
	}
	cfg.Root = root
	r := &Runtime{cfg: cfg, net: network{bridge: cfg.Bridge, subnet: cfg.Subnet.Masked()},
		log:   cfg.Logger.With("component", "runtime", "backend", "runc"),
		dynos: map[string]*dyno{}, reserved: map[string]bool{}, ips: map[netip.Addr]string{},
		ipApp: map[netip.Addr]string{}, hostPorts: map[string][]int{}, spaces: map[string]*spaceAlloc{}}
	if err := r.prepare(ctx); err != nil {
		return nil, fmt.Errorf("new runc runtime: %w", err)
	}
	if r.notify, err = newNotifier(); err != nil {
		r.log.Warn("no inotify: dynos are polled", "err", err)
	}
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return r, nil
}

func (r *Runtime) prepare(ctx context.Context) error {
	for _, dir := range []string{r.stateDir(), r.dynosDir()} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	if err := makeRootFS(r.rootFS()); err != nil {
		return err
	}
	if err := r.net.setup(ctx); err != nil {
		return err
	}
	sc, err := seccomp.GetDefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	if err != nil {
		return fmt.Errorf("seccomp profile: %w", err)
	}
	r.seccomp = sc
	resolv, _ := os.ReadFile("/etc/resolv.conf")
	r.resolv = string(resolv)
	r.noIPv6 = HostWithoutIPv6()
	if err := r.reapSandboxes(ctx); err != nil {
		r.log.Error("reap", "err", err) // what could not be reaped stays for the next start
	}
	if err := r.reapHalfMade(); err != nil {
		r.log.Error("reap", "err", err)
	}
	return r.loadIPs()
}

// loadIPs marks the addresses of the dynos on disk as used, by their app.
func (r *Runtime) loadIPs() error {
	metas, err := r.readMetas()
	for _, m := range metas {
		if a, err := netip.ParseAddr(m.IP); err == nil {
			r.ips[a] = m.ID
			r.ipApp[a] = m.AppID
		}
	}
	return err
}

func (r *Runtime) stateDir() string             { return filepath.Join(r.cfg.Root, "state") }
func (r *Runtime) rootFS() string               { return filepath.Join(r.cfg.Root, "rootfs") }
func (r *Runtime) dynosDir() string             { return filepath.Join(r.cfg.Root, "dynos") }
func (r *Runtime) dynoDir(id string) string     { return filepath.Join(r.dynosDir(), id) }
func (r *Runtime) containerID(id string) string { return r.cfg.Prefix + id }

// Capabilities reports full isolation, survival across restarts and OOM reports.
func (r *Runtime) Capabilities() runtime.Capabilities {
	return runtime.Capabilities{Isolated: true, SurvivesRestart: true, ReportsOOM: true, OwnAddress: true}
}

// Close stops the runtime's goroutines, saving how far each dyno's output was delivered.
// The dynos keep running; a new runtime on the same Root adopts them with List.
func (r *Runtime) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	r.notify.close()
	return nil
}

// makeRootFS creates the shared skeleton root: empty mount points and merged-/usr links.
func makeRootFS(dir string) error {
	for _, sub := range []string{"usr", "etc", "proc", "dev", "sys", "tmp", "app", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("make rootfs: %w", err)
		}
	}
	// runc gives the tmpfs the mode of its mount point, not mode=1777.
	if err := os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky); err != nil {
		return fmt.Errorf("make rootfs: %w", err)
	}
	if err := makeImageRootFS(dir); err != nil {
		return err
	}
	for _, link := range []string{"bin", "lib", "lib64", "sbin"} {
		err := os.Symlink("usr/"+link, filepath.Join(dir, link))
		if err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("make rootfs: %w", err)
		}
	}
	return os.Chmod(dir, 0o755)
}
