package drain

import (
	"context"
	"sync"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
)

// Stats counts what happened to a drain's lines. Received = Delivered + Dropped + Pending,
// plus the lines of a batch being sent.
type Stats struct {
	Received  uint64 // lines handed to Send
	Delivered uint64 // lines the destination accepted
	Dropped   uint64 // lines dropped because the queue was full
	Pending   uint64 // lines waiting in the queue
	// Unreported is the number of dropped lines not yet reported by an L10 line.
	Unreported uint64
}

// queue is a bounded FIFO of lines that drops the oldest line when full.
type queue struct {
	wake chan struct{} // receives a value (coalesced) when lines are pushed

	mu         sync.Mutex // guards the following
	lines      []logs.Line
	head, n    int
	stats      Stats
	dropSince  time.Time // time of the first unreported drop
	inFlight   int
	unreported uint64
}

func newQueue(size int) *queue {
	return &queue{wake: make(chan struct{}, 1), lines: make([]logs.Line, size)}
}

// push adds l, dropping the oldest line if the queue is full. It never blocks.
func (q *queue) push(l logs.Line, now time.Time) {
	q.mu.Lock()
	q.stats.Received++
	if q.n == len(q.lines) {
		q.head = (q.head + 1) % len(q.lines)
		q.n--
		q.stats.Dropped++
		if q.unreported == 0 {
			q.dropSince = now
		}
		q.unreported++
	}
	q.lines[(q.head+q.n)%len(q.lines)] = l
	q.n++
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take waits for lines and removes up to max of them, or returns nil when ctx ends.
func (q *queue) take(ctx context.Context, max int) []logs.Line {
	for {
		if batch := q.pop(max); len(batch) > 0 {
			return batch
		}
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake:
		}
	}
}

func (q *queue) pop(max int) []logs.Line {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := min(max, q.n)
	batch := make([]logs.Line, k)
	for i := range batch {
		batch[i] = q.lines[(q.head+i)%len(q.lines)]
		q.lines[(q.head+i)%len(q.lines)] = logs.Line{}
	}
	q.head = (q.head + k) % len(q.lines)
	q.n -= k
	q.inFlight = k
	return batch
}

// delivered records that the batch taken last reached the destination.
func (q *queue) delivered() {
	q.mu.Lock()
	q.stats.Delivered += uint64(q.inFlight)
	q.inFlight = 0
	q.mu.Unlock()
}

// drops returns the unreported drops and the time of the first of them.
func (q *queue) drops() (uint64, time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.unreported, q.dropSince
}

// reported marks n drops as reported.
func (q *queue) reported(n uint64) {
	q.mu.Lock()
	q.unreported -= n
	q.mu.Unlock()
}

func (q *queue) snapshot() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.stats
	s.Pending = uint64(q.n)
	s.Unreported = q.unreported
	return s
}
