package router

import "math/rand/v2"

// Selector picks the backend for a request. Implementations must be safe for concurrent use,
// must not block, and must neither modify nor keep the slice they are given.
type Selector interface {
	// Select returns an index into ups, which is never empty.
	Select(ups []*Upstream) int
}

// P2C is the default Selector: power of two random choices on in-flight counts. It samples
// two distinct backends and picks the less busy, which spreads load nearly as well as
// least-connections without a global scan or lock.
type P2C struct{}

var _ Selector = P2C{}

// Select implements Selector.
func (P2C) Select(ups []*Upstream) int {
	n := len(ups)
	if n == 1 {
		return 0
	}
	i := rand.IntN(n)
	j := rand.IntN(n - 1)
	if j >= i {
		j++
	}
	if ups[j].InFlight() < ups[i].InFlight() {
		return j
	}
	return i
}
