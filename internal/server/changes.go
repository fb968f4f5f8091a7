package server

import "sync"

// dynoChanges carries the reconciler's change hook (dyno.Config.OnChange) to the parts that
// follow an app's dynos: the route table, then the metrics. Those read the reconciler, so
// they are built after it and follow it with follow, before Run starts it; the hook calls
// them in that order, on the reconciler's goroutine.
type dynoChanges struct {
	mu  sync.RWMutex // guards fns
	fns []func(appID string)
}

// follow adds fn to the parts told of every change.
func (c *dynoChanges) follow(fn func(appID string)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fns = append(c.fns, fn)
}

// changed is the reconciler's OnChange: it tells every follower.
func (c *dynoChanges) changed(appID string) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, fn := range c.fns {
		fn(appID)
	}
}
