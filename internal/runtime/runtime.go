// Package runtime defines how Bera runs dynos: the Runtime interface that every backend
// (process, runc, later kubernetes) implements, and the types they share. The reconciler in
// internal/dyno uses only this package; cmd/bera picks the backend.
package runtime

import (
	"context"
	"net/netip"
	"syscall"
	"time"

	"github.com/kingvon-ke/bera"
)

// Runtime starts, stops and watches dynos on one backend.
//
// Lifecycle of a dyno:
//  1. Start builds the dyno from a DynoSpec and returns once its process runs. Its stdout and
//     stderr are read by goroutines the runtime owns and delivered line by line to the
//     backend's output sink (each backend's Config.Output).
//  2. While it runs, Inspect reports its Status (address, pid, state), Signal delivers a
//     signal to every process of the dyno, and Wait blocks until it exits.
//  3. A dyno that exits on its own stays known, in state StateExited with its exit code and
//     OOM flag, until it is stopped, so the reconciler can see the crash.
//  4. Stop sends SIGTERM to every process, SIGKILL after the grace period, waits for the exit,
//     delivers the remaining output, releases every resource (cgroup, network, files) and
//     forgets the dyno. It returns the final Status; Killed says whether SIGKILL was needed.
//  5. After a server restart, a backend whose Capabilities say SurvivesRestart lists its
//     dynos with List and re-adopts them: their output goes to the new sink again. Other
//     backends lose their dynos with the server.
//
// Methods are safe for concurrent use. Methods taking a dyno id return an error wrapping
// ErrNotFound (code bera.ENotFound) when the runtime does not know that dyno.
type Runtime interface {
	// Capabilities tells what the backend isolates and keeps.
	Capabilities() Capabilities
	// Start starts the dyno described by spec. It returns an EInvalid *bera.Error for a bad
	// spec and EConflict if a dyno with the same id exists.
	Start(ctx context.Context, spec DynoSpec) (Status, error)
	// Stop terminates the dyno (SIGTERM, then SIGKILL after grace) and removes it.
	Stop(ctx context.Context, id string, grace time.Duration) (Status, error)
	// Signal sends sig to every process of a running dyno.
	Signal(ctx context.Context, id string, sig syscall.Signal) error
	// Inspect returns the current status of a dyno.
	Inspect(ctx context.Context, id string) (Status, error)
	// Wait blocks until the dyno has exited and its output has been delivered, or ctx ends.
	Wait(ctx context.Context, id string) (Status, error)
	// List returns every dyno of this runtime, adopting those left by a previous server.
	List(ctx context.Context) ([]Status, error)
	// Close releases the runtime's goroutines. Dynos of a backend that survives restarts keep
	// running; the others are stopped.
	Close() error
}

// Attacher is implemented by backends that can run a one-off dyno (`bera run bash`) with
// its stdin, stdout and stderr connected to the caller instead of the output sink.
type Attacher interface {
	// Attach starts a one-off dyno like Start. With tty, its stdio is a terminal and
	// Session.Stdout carries both streams. Wait and Stop work on it as on any dyno.
	Attach(ctx context.Context, spec DynoSpec, tty bool) (*Session, error)
}

// DynoSpec describes one dyno to start.
type DynoSpec struct {
	// ID identifies the dyno inside the runtime: letters, digits, '-' and '_', at most 64
	// characters (a UUID fits). It is unique among running dynos.
	ID string
	// App is the app's name and AppID its id; they label output lines and status.
	App   string
	AppID string
	// Name is the dyno's name, such as web.1 or run.4242; it becomes $DYNO.
	Name string
	// Type is the process type, such as web or worker.
	Type string
	// Command is run by /bin/sh -c in the slug directory (/workspace for an image; there
	// the caller passes e.g. "exec /cnb/lifecycle/launcher").
	Command string
	// Env holds the config vars and add-on URLs. PORT, DYNO and HOME are set by the runtime
	// and override entries of the same name, and so are CNB_LAYERS_DIR and CNB_APP_DIR
	// for an image.
	Env map[string]string
	// SlugDir is the extracted slug: a directory that becomes /app. The backend never
	// writes to it (runc puts a per-dyno overlay on top). For runc its files should be owned
	// by UID so the dyno can change them.
	SlugDir string
	// ImageLayers, when set, runs a CNB image instead of a slug: the image's unpacked layer
	// directories, bottom first (image.Store.Unpack). SlugDir is then unused. The layers'
	// layers/ subdirectories make a read-only /layers, their workspace/ subdirectories
	// /workspace (ImageAppDir), with a per-dyno overlay on top as for a slug; the bera
	// binary is at /cnb/lifecycle/launcher. Only the runc backend runs images.
	ImageLayers []string
	// Size sets the resource limits (memory, pids, cpu shares). A zero Size means standard-1X.
	Size bera.DynoSize
	// UID is the unprivileged user the dyno runs as; 0 means AppUID(AppID).
	UID int
	// Port is $PORT; 0 means the backend picks (5000 for runc, a free port for process).
	Port int
	// Network is the Private Space whose network the dyno joins ("" for the common
	// runtime). Only backends implementing Networks accept one, once EnsureNetwork made it.
	Network string
}

// State is the state of a dyno process.
type State string

// States of a dyno.
const (
	StateRunning State = "running"
	StateExited  State = "exited"
)

// Status is what a runtime knows about one dyno.
type Status struct {
	ID    string
	App   string
	AppID string
	Name  string
	Type  string
	State State
	// Addr is the host:port where the router reaches the dyno.
	Addr string
	// PID is the dyno's main process as seen from the host, 0 once exited.
	PID       int
	StartedAt time.Time
	// ExitCode is meaningful in StateExited: the shell's exit status, 128+n for signal n.
	ExitCode int
	ExitedAt time.Time
	// OOMKilled says the kernel killed a process of the dyno for exceeding its memory.
	OOMKilled bool
	// Killed says Stop had to send SIGKILL because the grace period ran out.
	Killed bool
}

// Capabilities tells what a backend does, so callers and users know what to expect.
type Capabilities struct {
	// Isolated means dynos have their own filesystem view, user, network namespace and
	// resource limits. False means dynos run as the server's user and see its files.
	Isolated bool
	// SurvivesRestart means dynos keep running when the server stops and List adopts them.
	SurvivesRestart bool
	// ReportsOOM means Status.OOMKilled is reliable and Size limits memory.
	ReportsOOM bool
	// OwnAddress means each dyno has its own IP address (Addr is not on 127.0.0.1).
	OwnAddress bool
}

// SizeOrDefault returns s.Size, or standard-1X when it is zero.
func (s DynoSpec) SizeOrDefault() bera.DynoSize {
	if s.Size.MemoryMB == 0 {
		size, _ := bera.LookupDynoSize(bera.DefaultDynoSize)
		return size
	}
	return s.Size
}

// HostAccess is implemented by backends whose dynos reach no service of the host unless
// told to (runc): the host services meant for dynos, such as add-on instances, listen on
// HostAddress too, and SetHostPorts says which app's dynos may connect to which port.
// Backends without it run dynos on the host's network, where such services listen on
// 127.0.0.1 (see HostAddress).
type HostAccess interface {
	// HostAddress is the host's address as the dynos see it (the bridge's gateway).
	HostAddress() netip.Addr
	// SetHostPorts replaces the TCP ports on HostAddress that dynos may connect to, by
	// their app's id: dynos of an app not in ports, or to a port not in its list, reach
	// none. Dynos running or started later follow it at once.
	SetHostPorts(ports map[string][]int) error
}

// Networks is implemented by backends that give Private Spaces networks of their own:
// the dynos of a space reach each other, and nothing outside the space reaches them.
type Networks interface {
	// EnsureNetwork makes the network name on subnet (idempotent) and returns its gateway,
	// the address where the space's services (its DNS resolver) listen for its dynos.
	EnsureNetwork(ctx context.Context, name string, subnet netip.Prefix) (netip.Addr, error)
	// RemoveNetwork deletes the network; EConflict while dynos are on it.
	RemoveNetwork(ctx context.Context, name string, subnet netip.Prefix) error
}

// HostAddress is the address at which rt's dynos reach the host's services: the backend's
// own (HostAccess) or 127.0.0.1 for dynos on the host's network.
func HostAddress(rt Runtime) netip.Addr {
	if h, ok := rt.(HostAccess); ok {
		return h.HostAddress()
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}
