package spacedns

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Zone is the name under which a space's resolver answers with authority. Only app.localspace
// has names in it; anything else under it is NXDOMAIN, and nothing under it is forwarded,
// since localspace is not a public name and the host's resolvers must not see these queries.
const Zone = "localspace."

// appZone holds the service discovery names: <process>.<app>.app.localspace.
const appZone = "app." + Zone

// Record is one up dyno of an app in the space.
type Record struct {
	App     string     // app name, a DNS label: "myapp"
	Process string     // process type, a DNS label: "web", "worker"
	Dyno    int        // the dyno's number, 1 for web.1
	Addr    netip.Addr // the dyno's address in the space; IPv4 today
}

// name is the record's dyno name, 1.web.myapp.app.localspace., lower case.
func (r Record) name() string {
	return strconv.Itoa(r.Dyno) + "." + r.processName()
}

// processName is the record's process name, web.myapp.app.localspace., lower case.
func (r Record) processName() string {
	return strings.ToLower(r.Process) + "." + strings.ToLower(r.App) + "." + appZone
}

// valid reports whether the record can be published: both names are DNS labels, the dyno
// number is positive and the address is a unicast address.
func (r Record) valid() bool {
	return validLabel(r.App) && validLabel(r.Process) && r.Dyno > 0 && r.Addr.IsValid() &&
		!r.Addr.IsUnspecified() && !r.Addr.IsMulticast()
}

// validLabel reports whether s is one DNS label of letters, digits, '-' and '_' (Procfile
// process types may hold underscores), so that a name can never add or escape a level.
func validLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// table is one immutable snapshot of a space's names. Every name that exists has an entry,
// including the empty non-terminals (myapp.app.localspace., app.localspace., localspace.),
// so that a name with children answers NODATA rather than NXDOMAIN.
type table struct {
	names map[string]*entry
}

// entry is the addresses of one name, sorted by dyno number, then address.
type entry struct {
	v4, v6 []netip.Addr
}

// newTable builds a snapshot from records. Invalid records are skipped and returned so that
// the caller can report them; a dyno listed twice keeps both addresses.
func newTable(records []Record) (*table, []Record) {
	t := &table{names: map[string]*entry{Zone: {}, appZone: {}}}
	var bad []Record
	sorted := slices.Clone(records)
	slices.SortFunc(sorted, func(a, b Record) int {
		if a.Dyno != b.Dyno {
			return a.Dyno - b.Dyno
		}
		return a.Addr.Compare(b.Addr)
	})
	for _, r := range sorted {
		if !r.valid() {
			bad = append(bad, r)
			continue
		}
		r.Addr = r.Addr.Unmap()
		t.entry(strings.ToLower(r.App) + "." + appZone)
		t.entry(r.processName()).add(r.Addr)
		t.entry(r.name()).add(r.Addr)
	}
	return t, bad
}

// entry returns name's entry, creating it.
func (t *table) entry(name string) *entry {
	e := t.names[name]
	if e == nil {
		e = &entry{}
		t.names[name] = e
	}
	return e
}

func (e *entry) add(a netip.Addr) {
	if a.Is4() {
		e.v4 = append(e.v4, a)
	} else {
		e.v6 = append(e.v6, a)
	}
}

// lookup returns the entry of a lower-case fully qualified name, nil if the name does not
// exist.
func (t *table) lookup(name string) *entry {
	return t.names[name]
}
