// Package events carries live app events (build output, releases, dyno states, formation
// changes, log lines) from the parts of the platform that cause them to /ws subscribers.
// Publish never blocks: a subscriber whose buffer is full is dropped, not waited for
// (wtf inmem/event.go).
package events

import (
	"errors"
	"sync"
	"time"
)

// Event types.
const (
	TypeBuildOutput      = "build.output"      // Data: {"line": text}
	TypeReleaseCreated   = "release.created"   // Data: {"version": n, "description": text}
	TypeDynoState        = "dyno.state"        // Data: {"dyno": name, "from": state, "to": state}
	TypeFormationChanged = "formation.changed" // Data: {"type": t, "quantity": n, "size": s}
	TypeLog              = "log"               // Data: {"source": s, "dyno": d, "line": text}
)

// Event is one thing that happened to an app.
type Event struct {
	Type  string         `json:"type"`
	AppID string         `json:"app_id"`
	Time  time.Time      `json:"time"`
	Data  map[string]any `json:"data,omitempty"`
}

// ErrSlow is a Subscription's Err after the bus dropped it for not keeping up.
var ErrSlow = errors.New("subscriber too slow: events dropped")

// ErrClosed is a Subscription's Err after Close.
var ErrClosed = errors.New("subscription closed")

// Bus delivers published events to the subscribers of the event's app.
type Bus interface {
	// Publish hands e to every subscriber of e.AppID without blocking.
	Publish(e Event)
	// Subscribe returns a subscription to the events of the given apps; the caller has
	// already checked that it may see them. Close it when done.
	Subscribe(appIDs []string) *Subscription
}

// DefaultBuffer is how many events a subscriber may fall behind before it is dropped.
const DefaultBuffer = 4096

// Subscription is one subscriber's stream of events.
type Subscription struct {
	bus  *InMem
	apps []string
	c    chan Event
	once sync.Once
	mu   sync.Mutex // guards err
	err  error
	done chan struct{}
}

// C returns the channel of events. It is closed when the subscription ends; Err says why.
func (s *Subscription) C() <-chan Event { return s.c }

// Err returns ErrSlow if the bus dropped the subscription, ErrClosed after Close, else nil.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Done is closed as soon as the subscription ends, even with events still buffered in C.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Close ends the subscription.
func (s *Subscription) Close() { s.bus.remove(s, ErrClosed) }

// end closes the channel once, recording why. The bus lock is held.
func (s *Subscription) end(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.done)
		close(s.c)
	})
}

// InMem is the in-process Bus.
type InMem struct {
	// Buffer is each subscriber's channel size (default DefaultBuffer). Set before use.
	Buffer int
	// Now returns the time stamped on events published without one (default time.Now).
	Now func() time.Time

	mu    sync.Mutex // guards subs and dropped
	subs  map[string]map[*Subscription]struct{}
	drops int
}

// NewInMem returns an empty in-process bus.
func NewInMem() *InMem {
	return &InMem{Buffer: DefaultBuffer, Now: time.Now, subs: map[string]map[*Subscription]struct{}{}}
}

// Publish implements Bus.
func (b *InMem) Publish(e Event) {
	if e.Time.IsZero() {
		e.Time = b.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[e.AppID] {
		select {
		case s.c <- e:
		default:
			b.drops++
			b.removeLocked(s, ErrSlow)
		}
	}
}

// Subscribe implements Bus.
func (b *InMem) Subscribe(appIDs []string) *Subscription {
	n := b.Buffer
	if n <= 0 {
		n = DefaultBuffer
	}
	s := &Subscription{bus: b, apps: appIDs, c: make(chan Event, n), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range appIDs {
		if b.subs[id] == nil {
			b.subs[id] = map[*Subscription]struct{}{}
		}
		b.subs[id][s] = struct{}{}
	}
	return s
}

// Subscribed reports whether anyone follows the app's events, so that publishers can skip
// building events nobody reads.
func (b *InMem) Subscribed(appID string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[appID]) > 0
}

// Dropped returns how many subscribers were dropped for being slow.
func (b *InMem) Dropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.drops
}

func (b *InMem) remove(s *Subscription, why error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.removeLocked(s, why)
}

func (b *InMem) removeLocked(s *Subscription, why error) {
	for _, id := range s.apps {
		delete(b.subs[id], s)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
	}
	s.end(why)
}
