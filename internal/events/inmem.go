package events

import (
	"context"
	"sync"
	"time"
)

// DefaultBuffer is how many events a subscriber may fall behind before it is dropped.
const DefaultBuffer = 4096

// InMem is the in-process Bus. Publish never blocks: a subscriber whose buffer is full is
// dropped, not waited for (wtf inmem/event.go).
type InMem struct {
	// Buffer is each subscriber's channel size (default DefaultBuffer). Set before use.
	Buffer int
	// Now returns the time stamped on events published without one (default time.Now).
	Now func() time.Time

	mu    sync.Mutex // guards the following
	subs  map[string]map[*memSub]struct{}
	drops int
}

// NewInMem returns an empty in-process bus.
func NewInMem() *InMem {
	return &InMem{Buffer: DefaultBuffer, Now: time.Now, subs: map[string]map[*memSub]struct{}{}}
}

// Publish implements Publisher.
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

// Subscribe implements Bus; it never fails.
func (b *InMem) Subscribe(_ context.Context, appIDs []string) (Subscription, error) {
	n := b.Buffer
	if n <= 0 {
		n = DefaultBuffer
	}
	s := &memSub{bus: b, apps: appIDs, c: make(chan Event, n), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range appIDs {
		if b.subs[id] == nil {
			b.subs[id] = map[*memSub]struct{}{}
		}
		b.subs[id][s] = struct{}{}
	}
	return s, nil
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

func (b *InMem) remove(s *memSub, why error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.removeLocked(s, why)
}

func (b *InMem) removeLocked(s *memSub, why error) {
	for _, id := range s.apps {
		delete(b.subs[id], s)
		if len(b.subs[id]) == 0 {
			delete(b.subs, id)
		}
	}
	s.endLocked(why)
}

// memSub is a Subscription of an InMem bus.
type memSub struct {
	bus  *InMem
	apps []string
	c    chan Event
	done chan struct{}
	once sync.Once

	mu  sync.Mutex // guards err
	err error
}

func (s *memSub) C() <-chan Event       { return s.c }
func (s *memSub) Done() <-chan struct{} { return s.done }
func (s *memSub) Close()                { s.bus.remove(s, ErrClosed) }

func (s *memSub) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// endLocked closes the channels once, recording why. The bus lock is held, so no Publish
// sends on c while it closes.
func (s *memSub) endLocked(err error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.done)
		close(s.c)
	})
}
