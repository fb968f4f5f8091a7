package bera

import (
	"regexp"
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
// size; the bounds are Bera's, growing with the size.
var DynoSizes = []DynoSize{
	{"eco", 512, 256, 256, 1024},
	{"basic", 512, 256, 256, 1024},
	{"standard-1X", 512, 512, 256, 2048},
	{"standard-2X", 1024, 1024, 512, 4096},
	{"performance-M", 2560, 2048, 16384, 8192},
	{"performance-L", 14336, 4096, 32768, 16384},
}

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
