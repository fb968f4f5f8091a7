package addons

import "sync"

// Locks serialises the operations on one instance (Provision, Rotate, Deprovision …)
// while letting different instances proceed in parallel. The zero value is ready.
type Locks struct {
	mu sync.Mutex // guards the following
	m  map[string]*sync.Mutex
}

// Lock locks instance id and returns its unlock function.
func (l *Locks) Lock(id string) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[string]*sync.Mutex{}
	}
	m, ok := l.m[id]
	if !ok {
		m = &sync.Mutex{}
		l.m[id] = m
	}
	l.mu.Unlock()
	m.Lock()
	return m.Unlock
}
