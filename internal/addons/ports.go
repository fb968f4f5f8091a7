package addons

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// ErrNoPorts means every port of a Ports range is taken.
var ErrNoPorts = errors.New("no free add-on port")

// Ports hands out the TCP ports instances listen on, from one range, and says on which
// addresses they listen. Providers share one Ports so that a Redis and a PostgreSQL never
// get the same port, even while one of them is down and not listening.
type Ports struct {
	// Host is the address instances bind and Bera's own connections use; "127.0.0.1" when
	// empty.
	Host string
	// DynoHost is the address at which dynos reach the host (runc: the bridge's gateway);
	// instances listen on it too and their URLs name it. Empty means Host: dynos on the
	// host's network.
	DynoHost string
	// First and Last bound the range (inclusive); 20000..29999 when zero.
	First, Last int

	mu    sync.Mutex // guards the following
	taken map[int]bool
}

// HostOrDefault returns Host, or 127.0.0.1 when it is empty.
func (p *Ports) HostOrDefault() string {
	if p.Host == "" {
		return "127.0.0.1"
	}
	return p.Host
}

// DynoHostOrDefault returns DynoHost, or the host address when it is empty: the host of
// the URLs apps get.
func (p *Ports) DynoHostOrDefault() string {
	if p.DynoHost == "" {
		return p.HostOrDefault()
	}
	return p.DynoHost
}

// Listen lists the addresses instances listen on: the host address, then the dynos' one
// when it differs.
func (p *Ports) Listen() []string {
	if h, d := p.HostOrDefault(), p.DynoHostOrDefault(); h != d {
		return []string{h, d}
	}
	return []string{p.HostOrDefault()}
}

// Reserve marks port as taken by an existing instance.
func (p *Ports) Reserve(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taken == nil {
		p.taken = map[int]bool{}
	}
	p.taken[port] = true
}

// Release gives port back.
func (p *Ports) Release(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.taken, port)
}

// Allocate returns a port that no instance holds and nothing listens on, and reserves it.
// It starts at a random place in the range, so that two servers (or test processes) on one
// machine rarely race for the same port.
func (p *Ports) Allocate() (int, error) {
	first, last := p.First, p.Last
	if first == 0 && last == 0 {
		first, last = 20000, 29999
	}
	n := last - first + 1
	if n <= 0 {
		return 0, fmt.Errorf("add-on ports %d-%d: empty range", first, last)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.taken == nil {
		p.taken = map[int]bool{}
	}
	start := rand.IntN(n)
	for i := range n {
		port := first + (start+i)%n
		if p.taken[port] || !p.freeLocked(port) {
			continue
		}
		p.taken[port] = true
		return port, nil
	}
	return 0, ErrNoPorts
}

// freeLocked reports whether port can be listened on now, on every address of Listen.
func (p *Ports) freeLocked(port int) bool {
	for _, host := range p.Listen() {
		l, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}
