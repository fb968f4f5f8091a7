package router

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
)

// Backend is one up web dyno an app's requests may go to.
type Backend struct {
	Dyno string // dyno name, such as web.1; reported as dyno= in router log lines
	Addr string // host:port the dyno listens on
}

// Route is everything the router needs to know about one app.
type Route struct {
	AppID   string
	AppName string
	// Hosts are the names the app answers to: APP.DOMAIN and its custom domains. A leading
	// "*." makes a wildcard that matches exactly one more label ("*.example.com" matches
	// "www.example.com"). Hosts are normalized with NormalizeHost.
	Hosts []string
	// Maintenance answers every request with H80.
	Maintenance bool
	// Crashed says the app has crashed web dynos; with no Backends it turns H14 into H10.
	Crashed bool
	// Backends are the app's up web dynos. Each Addr must be unique in the table.
	Backends []Backend
}

// ErrDuplicateHost is returned when two routes claim the same host.
var ErrDuplicateHost = errors.New("host routed to two apps")

// ErrUnknownApp is returned by the incremental table updates for an app with no route.
var ErrUnknownApp = errors.New("no route for app")

// Table is an immutable host → route snapshot. Build it with NewTable; the zero value and nil
// are empty tables.
type Table struct {
	hosts map[string]*entry
	apps  map[string]*entry // by AppID
}

// entry is a route with the live state of its backends.
type entry struct {
	route Route
	ups   []*Upstream
}

// NewTable validates routes and indexes them by host. It returns ErrDuplicateHost (wrapped)
// if two apps claim one host or one backend address.
func NewTable(routes []Route) (*Table, error) {
	t := &Table{hosts: make(map[string]*entry), apps: make(map[string]*entry, len(routes))}
	addrs := make(map[string]string)
	for _, rt := range routes {
		if err := t.add(rt, addrs); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add indexes one route; addrs maps each backend address seen so far to its app.
func (t *Table) add(rt Route, addrs map[string]string) error {
	if rt.AppID == "" {
		return fmt.Errorf("route %q: empty app id", rt.AppName)
	}
	if _, ok := t.apps[rt.AppID]; ok {
		return fmt.Errorf("route %s: app listed twice", rt.AppID)
	}
	e := &entry{route: cloneRoute(rt)}
	for i, h := range e.route.Hosts {
		h = NormalizeHost(h)
		if h == "" {
			return fmt.Errorf("route %s: empty host", rt.AppID)
		}
		if other, ok := t.hosts[h]; ok {
			return fmt.Errorf("add %s to %s: %w (%s)", h, rt.AppID, ErrDuplicateHost, other.route.AppID)
		}
		e.route.Hosts[i] = h
		t.hosts[h] = e
	}
	for _, b := range e.route.Backends {
		if other, ok := addrs[b.Addr]; ok {
			return fmt.Errorf("route %s: backend %s already used by %s", rt.AppID, b.Addr, other)
		}
		addrs[b.Addr] = rt.AppID
		e.ups = append(e.ups, newUpstream(b))
	}
	t.apps[rt.AppID] = e
	return nil
}

// Lookup returns the route serving host (a Host header value: any case, optional port,
// optional trailing dot).
func (t *Table) Lookup(host string) (Route, bool) {
	e := t.lookup(NormalizeHost(host))
	if e == nil {
		return Route{}, false
	}
	return cloneRoute(e.route), true
}

// Routes returns every route, sorted by app id.
func (t *Table) Routes() []Route {
	if t == nil {
		return nil
	}
	out := make([]Route, 0, len(t.apps))
	for _, e := range t.apps {
		out = append(out, cloneRoute(e.route))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AppID < out[j].AppID })
	return out
}

// lookup finds the entry for a normalized host: an exact name first, then a wildcard.
func (t *Table) lookup(host string) *entry {
	if t == nil || host == "" {
		return nil
	}
	if e, ok := t.hosts[host]; ok {
		return e
	}
	dot := strings.IndexByte(host, '.')
	if dot <= 0 {
		return nil
	}
	return t.hosts["*"+host[dot:]]
}

// lookupBytes is lookup for a normalized host held in a byte slice. An exact match does not
// allocate.
func (t *Table) lookupBytes(host []byte) *entry {
	if t == nil || len(host) == 0 {
		return nil
	}
	if e, ok := t.hosts[string(host)]; ok {
		return e
	}
	dot := bytes.IndexByte(host, '.')
	if dot <= 0 {
		return nil
	}
	return t.hosts["*"+string(host[dot:])]
}

// NormalizeHost turns a Host header value into a table key: lower case, without port and
// without a trailing dot. It returns "" for a value that cannot be a host name (names are
// ASCII: internationalized ones arrive punycoded).
func NormalizeHost(host string) string {
	if strings.HasPrefix(host, "[") {
		// IPv6 literal, with or without a port.
		end := strings.IndexByte(host, ']')
		if end < 0 || (end+1 < len(host) && host[end+1] != ':') {
			return ""
		}
		return lowerHost(host[:end+1], true)
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if _, _, err := net.SplitHostPort(host); err != nil {
			return ""
		}
		host = host[:i]
	}
	return lowerHost(strings.TrimSuffix(host, "."), false)
}

// lowerHost lower-cases an ASCII host name without allocating when it is already lower
// case, and returns "" if it holds a byte no host name has.
func lowerHost(s string, ipv6 bool) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '*':
		case ipv6 && (c == ':' || c == '[' || c == ']' || c == '%'):
		default:
			return ""
		}
	}
	if upper {
		return strings.ToLower(s)
	}
	return s
}

// cloneRoute copies a route's slices so a table never shares memory with its caller.
func cloneRoute(rt Route) Route {
	rt.Hosts = append([]string(nil), rt.Hosts...)
	rt.Backends = append([]Backend(nil), rt.Backends...)
	return rt
}
