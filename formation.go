package bera

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Formation is the desired number and size of dynos for one process type of an app.
type Formation struct {
	ID        string
	AppID     string
	Type      string
	Quantity  int
	Size      string
	Command   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FormationUpdate changes one process type. Quantity is absolute unless Relative is set, in
// which case it is added (it may be negative; the result is clamped at 0). Size "" keeps it.
type FormationUpdate struct {
	Type     string
	Quantity *int
	Relative bool
	Size     string
}

// DynoSize is a dyno size with the limits it gives.
type DynoSize struct {
	Name     string
	MemoryMB int
	CPUShare int // cgroup cpu.shares
	PIDs     int
	// DiskMB bounds what the dyno can write to /app (its ephemeral filesystem, reset on
	// every restart); writes past it fail with ENOSPC. 0 means the default size's bound.
	DiskMB int
}

// DynoSizes are Heroku's size names with their memory limits. Heroku documents no disk
// size; the disk bounds are Bera's, growing with the size.
//
// The pids limits follow Heroku's up to standard-2X. Heroku gives performance dynos 16384 and
// 32768 processes, but those run alone on a VM; here every dyno shares the host's pid space
// (kernel.pid_max, 32768 on many hosts), so one dyno allowed that many could fork-bomb the
// whole machine, the server and every other tenant included. They are capped at
// MaxDynoPIDs, which is plenty for any real process tree.
var DynoSizes = []DynoSize{
	{"eco", 512, 256, 256, 1024},
	{"basic", 512, 256, 256, 1024},
	{"standard-1X", 512, 512, 256, 2048},
	{"standard-2X", 1024, 1024, 512, 4096},
	{"performance-M", 2560, 2048, 2048, 8192},
	{"performance-L", 14336, 4096, MaxDynoPIDs, 16384},
}

// MaxDynoPIDs bounds the pids limit of any dyno size, far below a host's pid_max.
const MaxDynoPIDs = 4096

// DefaultDynoSize is the size of new formations.
const DefaultDynoSize = "standard-1X"

// LookupDynoSize finds a size by name, case-insensitively ("standard-1x", "Performance-M").
func LookupDynoSize(name string) (DynoSize, error) {
	for _, s := range DynoSizes {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	return DynoSize{}, &Error{Code: EInvalid, Resource: "formation", Message: "Size " + name + " is not a valid dyno size. Valid sizes: eco, basic, standard-1X, standard-2X, performance-M, performance-L."}
}

var processTypeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}$`)

// ValidateProcessType checks a Procfile process type name.
func ValidateProcessType(t string) error {
	if !processTypeRE.MatchString(t) {
		return &Error{Code: EInvalid, Resource: "formation", Message: "Process types can only contain letters, digits, '-' and '_'."}
	}
	return nil
}

// DefaultMaxDynosPerApp is the default cap on an app's dynos (`--max-dynos-per-app`).
const DefaultMaxDynosPerApp = 100

// FormationLimits are the operator's limits on what formations may ask for. They apply to
// every change of a formation (API scaling, ps:type, app.json on deploy), checked with
// CheckFormation before anything is written. The zero value allows DefaultMaxDynosPerApp
// dynos per app, any number per account, and every size.
type FormationLimits struct {
	// MaxPerApp caps the dynos of one app, all process types together (0: the default).
	MaxPerApp int
	// MaxPerAccount caps the dynos of all the apps an account owns (0: no cap).
	MaxPerAccount int
	// Sizes are the canonical names of the sizes apps may use; empty allows all.
	Sizes []string
}

func (l FormationLimits) maxPerApp() int {
	if l.MaxPerApp <= 0 {
		return DefaultMaxDynosPerApp
	}
	return l.MaxPerApp
}

// CheckSize returns the canonical size for name, or EInvalid when it is no size or one the
// operator does not offer.
func (l FormationLimits) CheckSize(name string) (DynoSize, error) {
	size, err := LookupDynoSize(name)
	if err != nil {
		return size, err
	}
	if len(l.Sizes) > 0 && !slices.Contains(l.Sizes, size.Name) {
		return size, &Error{Code: EInvalid, Resource: "formation", Message: fmt.Sprintf("Size %s is not available on this server. Available sizes: %s.", size.Name, strings.Join(l.Sizes, ", "))}
	}
	return size, nil
}

// FormationChange is a change to check: the app's formation now, the formation it would
// have afterwards, and the dynos of the owner's other apps.
type FormationChange struct {
	Before, After []*Formation
	// OwnerOtherDynos is the number of dynos in the formations of the other apps the app's
	// owner owns.
	OwnerOtherDynos int
}

// CheckFormation checks a change against the limits: every type in After that changes size
// or gains dynos must have a size on offer, and the app's and the owner's dyno totals must
// stay within MaxPerApp and MaxPerAccount. A change that does not add dynos is allowed even
// over a limit (one lowered since), so an app can always be scaled down. EInvalid, with a
// message saying which limit and by how much.
func (l FormationLimits) CheckFormation(c FormationChange) error {
	before := make(map[string]*Formation, len(c.Before))
	for _, f := range c.Before {
		before[f.Type] = f
	}
	for _, f := range c.After {
		if f.Quantity < 0 {
			return &Error{Code: EInvalid, Resource: "formation", Message: fmt.Sprintf("Quantity of %s must not be negative.", f.Type)}
		}
		if b := before[f.Type]; b != nil && b.Size == f.Size && f.Quantity <= b.Quantity {
			continue // unchanged or scaled down: allowed even if the size is no longer offered
		}
		if _, err := l.CheckSize(f.Size); err != nil {
			return err
		}
	}
	was, will := TotalDynos(c.Before), TotalDynos(c.After)
	if will <= was {
		return nil
	}
	if max := l.maxPerApp(); will > max {
		return &Error{Code: EInvalid, Resource: "formation", Message: fmt.Sprintf("Cannot run %d dynos: an app may run at most %d dynos on this server (all process types together).", will, max)}
	}
	if l.MaxPerAccount > 0 && addSaturating(will, max(c.OwnerOtherDynos, 0)) > l.MaxPerAccount {
		return &Error{Code: EInvalid, Resource: "formation", Message: fmt.Sprintf("Cannot run %d dynos: the app owner's apps may run at most %d dynos together on this server, and the other apps already run %d.", will, l.MaxPerAccount, c.OwnerOtherDynos)}
	}
	return nil
}

// TotalDynos is the number of dynos a formation runs. The sum saturates at
// maxFormationTotal, so huge quantities (from app.json, say) cannot wrap it round to a small
// or negative number that would pass a limit.
func TotalDynos(forms []*Formation) int {
	n := 0
	for _, f := range forms {
		n = addSaturating(n, max(f.Quantity, 0))
	}
	return n
}

// maxFormationTotal bounds dyno sums: far above any limit, far below overflow.
const maxFormationTotal = 1 << 40

func addSaturating(a, b int) int {
	if a >= maxFormationTotal || b >= maxFormationTotal || a+b >= maxFormationTotal {
		return maxFormationTotal
	}
	return a + b
}

// ApplyFormationUpdates returns a copy of forms with updates applied the way the store
// applies them: a relative quantity is added and the result clamped at 0, Size "" keeps the
// size. ENotFound "formation" for a type forms lacks; EInvalid for an unknown size.
func ApplyFormationUpdates(forms []*Formation, updates []FormationUpdate) ([]*Formation, error) {
	out := make([]*Formation, len(forms))
	byType := make(map[string]*Formation, len(forms))
	for i, f := range forms {
		c := *f
		out[i], byType[f.Type] = &c, &c
	}
	for _, u := range updates {
		f := byType[u.Type]
		if f == nil {
			return nil, &Error{Code: ENotFound, Resource: "formation", Message: "Couldn't find that process type (" + u.Type + ")."}
		}
		if u.Size != "" {
			size, err := LookupDynoSize(u.Size)
			if err != nil {
				return nil, err
			}
			f.Size = size.Name
		}
		if u.Quantity != nil {
			q := *u.Quantity
			if u.Relative {
				q += f.Quantity
			}
			f.Quantity = max(q, 0)
		}
	}
	return out, nil
}

// WithProcessTypes returns the formation forms would have after the store's SetProcessTypes
// with types: types no longer present go, existing ones keep their quantity and size, new
// ones get quantity 0 at DefaultDynoSize, except "web" on an app that had no formation, which
// gets 1. forms is not changed.
func WithProcessTypes(forms []*Formation, types map[string]string) []*Formation {
	out := make([]*Formation, 0, len(types))
	had := make(map[string]bool, len(forms))
	for _, f := range forms {
		had[f.Type] = true
		if cmd, ok := types[f.Type]; ok {
			c := *f
			c.Command = cmd
			out = append(out, &c)
		}
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		if had[t] {
			continue
		}
		q := 0
		if t == "web" && len(forms) == 0 {
			q = 1
		}
		out = append(out, &Formation{Type: t, Quantity: q, Size: DefaultDynoSize, Command: types[t]})
	}
	return out
}

// ParseDynoSizes parses an operator's comma-separated list of sizes ("standard-1x, eco") into
// canonical names, each once. An empty list means every size.
func ParseDynoSizes(list string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		size, err := LookupDynoSize(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, size.Name) {
			out = append(out, size.Name)
		}
	}
	return out, nil
}

// Current is what should run for one app: its current release on its formation.
type Current struct {
	AppID string
	// BootTimeout is the app's boot timeout in seconds; 0 means DefaultBootTimeout.
	BootTimeout int
	// Release is the app's current release: the newest succeeded one.
	Release *Release
	// Formation is the app's formation, ordered by type.
	Formation []*Formation
}
