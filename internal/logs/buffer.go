package logs

import (
	"context"
	"sync"
	"time"
)

// DefaultLines is how many lines a Buffer keeps per app, as Heroku's log history does.
const DefaultLines = 1500

// Sink receives every line written to an app, in Seq order. Drains implement it.
//
// Send is called with the app's buffer locked, from the writer's goroutine (a dyno or the
// router): it must never block or call back into the Buffer. A sink that cannot keep up
// drops lines and counts them. Sinks are compared with ==, so use pointer types.
type Sink interface {
	Send(l Line)
}

// Page is a run of an app's lines read from a Stream.
type Page struct {
	// Lines match the filter of the read, oldest first.
	Lines []Line
	// Cursor is the Seq to pass to After to continue after this page (it may be past
	// the last line of Lines when later lines did not match the filter).
	Cursor uint64
	// Dropped counts lines after the requested Seq that were evicted before they were read.
	Dropped uint64
}

// Stream is what a log session reads: an app's backlog and the lines that follow it.
// *Buffer implements it, and so does the Redis Streams backend. Methods are safe for
// concurrent use; errors come only from backends that do I/O.
type Stream interface {
	// Tail returns the last n lines of the app that match f, and the cursor after the
	// app's newest line. An unknown app has no lines.
	Tail(ctx context.Context, appID string, f Filter, n int) (Page, error)
	// After returns up to max lines with Seq > after that match f.
	After(ctx context.Context, appID string, after uint64, f Filter, max int) (Page, error)
	// Notify returns a channel that receives a value (coalesced) when lines are written to
	// the app, and a function that stops the notifications.
	Notify(appID string) (<-chan struct{}, func())
}

// Config configures a Buffer.
type Config struct {
	// Lines is the number of lines kept per app; 0 means DefaultLines.
	Lines int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Buffer keeps the latest lines of every app in memory, in a ring per app, and fans them
// out to notified readers and sinks. The writer never waits on a reader. An app costs
// nothing until it writes, and its ring grows only up to Config.Lines.
//
// Seq numbers of an app start at the microsecond Unix time its ring was created, so they
// keep increasing across restarts of the server (unless an app writes over a million
// lines per second for a long time).
type Buffer struct {
	max int
	now func() time.Time

	mu   sync.RWMutex // guards the following
	apps map[string]*ring
}

var _ Stream = (*Buffer)(nil)

// New returns an empty Buffer.
func New(cfg Config) *Buffer {
	if cfg.Lines <= 0 {
		cfg.Lines = DefaultLines
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Buffer{max: cfg.Lines, now: cfg.Now, apps: make(map[string]*ring)}
}

// Write appends msg to the app's log as one line per "\n"-separated line (each split at
// MaxMessage bytes), stamped with the current time. It never blocks on readers or sinks.
func (b *Buffer) Write(appID, source, dyno, msg string) {
	t := b.now().UnixNano()
	r := b.ring(appID)
	r.mu.Lock()
	defer r.mu.Unlock()
	tg := r.tagLocked(source, dyno)
	eachMessage(msg, func(m string) { r.appendLocked(entry{t, tg, m}) })
	r.notifyLocked()
}

// Tail implements Stream; it never fails.
func (b *Buffer) Tail(_ context.Context, appID string, f Filter, n int) (Page, error) {
	r := b.lookup(appID)
	if r == nil {
		return Page{}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return Page{Lines: r.tailLocked(f, n), Cursor: r.next - 1}, nil
}

// After implements Stream; it never fails.
func (b *Buffer) After(_ context.Context, appID string, after uint64, f Filter, max int) (Page, error) {
	r := b.lookup(appID)
	if r == nil {
		return Page{Cursor: after}, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.afterLocked(after, f, max), nil
}

// Notify implements Stream.
func (b *Buffer) Notify(appID string) (<-chan struct{}, func()) {
	r := b.ring(appID)
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	r.subs[ch] = struct{}{}
	r.mu.Unlock()
	return ch, func() {
		r.mu.Lock()
		delete(r.subs, ch)
		r.mu.Unlock()
	}
}

// AddSink makes s receive every line written to the app from now on.
func (b *Buffer) AddSink(appID string, s Sink) {
	r := b.ring(appID)
	r.mu.Lock()
	r.sinks = append(r.sinks, s)
	r.mu.Unlock()
}

// RemoveSink stops sending the app's lines to s.
func (b *Buffer) RemoveSink(appID string, s Sink) {
	r := b.ring(appID)
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.sinks {
		if x == s {
			r.sinks = append(r.sinks[:i:i], r.sinks[i+1:]...)
			return
		}
	}
}

// Remove forgets an app's lines, for example when the app is deleted. Its sinks and
// readers stop receiving lines.
func (b *Buffer) Remove(appID string) {
	b.mu.Lock()
	delete(b.apps, appID)
	b.mu.Unlock()
}

func (b *Buffer) lookup(appID string) *ring {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.apps[appID]
}

func (b *Buffer) ring(appID string) *ring {
	if r := b.lookup(appID); r != nil {
		return r
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.apps[appID]
	if r == nil {
		r = newRing(b.max, uint64(b.now().UnixMicro()))
		b.apps[appID] = r
	}
	return r
}

// eachMessage calls fn with each piece of msg as SplitMessage cuts it, without allocating
// in the common case of one short line.
func eachMessage(msg string, fn func(string)) {
	if len(msg) <= MaxMessage && !containsNewline(msg) {
		fn(msg)
		return
	}
	for _, m := range SplitMessage(msg) {
		fn(m)
	}
}

func containsNewline(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return true
		}
	}
	return false
}
