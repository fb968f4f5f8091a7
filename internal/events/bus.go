package events

import (
	"context"
	"errors"
)

// ErrSlow is a Subscription's Err after the bus dropped it for not keeping up.
var ErrSlow = errors.New("subscriber too slow: events dropped")

// ErrClosed is a Subscription's Err after Close.
var ErrClosed = errors.New("subscription closed")

// Publisher takes the events of the code that changes state.
type Publisher interface {
	// Publish hands e to every subscriber of e.AppID. It never blocks and never fails: a
	// bus across servers queues the event and sends it from its own goroutine. It is safe
	// for concurrent use; the events of one goroutine reach each subscriber in order.
	Publish(e Event)
}

// Bus delivers published events to the subscribers of the event's app.
//
// Lifecycle of a subscription:
//  1. Subscribe: from its return on, the subscription receives every event published for
//     its apps, in the order of publishing.
//  2. Read C until it is closed.
//  3. The subscription ends at Close (Err is ErrClosed), when the bus drops it for falling
//     a whole buffer behind (ErrSlow), or when a remote bus loses its connection (that
//     error). Done is closed at once; C is closed after the events it still holds.
type Bus interface {
	Publisher
	// Subscribe returns a subscription to the events of the given apps; the caller has
	// already checked that it may see them. ctx bounds the subscribing, not the
	// subscription: Close it when done. An error means no subscription was made.
	Subscribe(ctx context.Context, appIDs []string) (Subscription, error)
}

// Subscription is one subscriber's stream of events (see Bus for its lifecycle).
type Subscription interface {
	// C returns the channel of events. It is closed when the subscription ends; Err says why.
	C() <-chan Event
	// Done is closed as soon as the subscription ends, even with events still buffered in C.
	Done() <-chan struct{}
	// Err returns why the subscription ended (ErrSlow, ErrClosed, ...), or nil while it runs.
	Err() error
	// Close ends the subscription. It may be called more than once, also after the bus
	// ended it.
	Close()
}

// Discard is a Publisher that drops every event: the default where no bus is wired.
var Discard Publisher = discard{}

type discard struct{}

func (discard) Publish(Event) {}
