package logs

import (
	"sync"
	"time"
)

// entry is a stored line; its Seq is implied by its position in the ring. 32 bytes plus
// the message: source and dyno are shared through a tag.
type entry struct {
	nano    int64
	tag     *tag
	message string
}

// tag is a (source, dyno) pair shared by the entries of a ring.
type tag struct {
	source, dyno string
}

// maxTags bounds the tags a ring remembers; beyond it, new pairs get their own tag.
const maxTags = 64

// ring holds the latest lines of one app.
type ring struct {
	max int

	mu    sync.Mutex // guards the following
	base  uint64     // Seq of the first line ever written to the ring
	next  uint64     // Seq of the next line
	lines []entry    // grows to max, then circular: Seq s lives at (s-base)%max
	tags  []*tag
	subs  map[chan struct{}]struct{}
	sinks []Sink
}

func newRing(max int, base uint64) *ring {
	if base == 0 {
		base = 1
	}
	return &ring{max: max, base: base, next: base, subs: make(map[chan struct{}]struct{})}
}

// tagLocked returns the shared tag of (source, dyno).
func (r *ring) tagLocked(source, dyno string) *tag {
	for _, t := range r.tags {
		if t.source == source && t.dyno == dyno {
			return t
		}
	}
	t := &tag{source, dyno}
	if len(r.tags) < maxTags {
		r.tags = append(r.tags, t)
	}
	return t
}

func (r *ring) appendLocked(e entry) {
	seq := r.next
	r.next++
	if n := len(r.lines); n < r.max {
		if n == cap(r.lines) {
			r.grow()
		}
		r.lines = append(r.lines, e)
	} else {
		r.lines[(seq-r.base)%uint64(r.max)] = e
	}
	if len(r.sinks) > 0 {
		l := e.line(seq)
		for _, s := range r.sinks {
			s.Send(l)
		}
	}
}

// grow doubles the ring's capacity, never past max, so an app that logs little stays small.
func (r *ring) grow() {
	c := min(max(2*cap(r.lines), 16), r.max)
	lines := make([]entry, len(r.lines), c)
	copy(lines, r.lines)
	r.lines = lines
}

func (r *ring) notifyLocked() {
	for ch := range r.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// oldest is the Seq of the oldest line still held.
func (r *ring) oldest() uint64 {
	return r.next - uint64(len(r.lines))
}

func (r *ring) at(seq uint64) entry {
	return r.lines[(seq-r.base)%uint64(r.max)]
}

func (r *ring) tailLocked(f Filter, n int) []Line {
	if n <= 0 {
		return nil
	}
	var out []Line
	for seq := r.next - 1; seq >= r.oldest() && seq >= r.base && len(out) < n; seq-- {
		if e := r.at(seq); f.match(e.tag.source, e.tag.dyno) {
			out = append(out, e.line(seq))
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func (r *ring) afterLocked(after uint64, f Filter, limit int) Page {
	var dropped uint64
	from := max(after+1, r.base)
	if old := r.oldest(); from < old {
		dropped = old - from
		from = old
	}
	var out []Line
	seq := from
	for ; seq < r.next && len(out) < limit; seq++ {
		if e := r.at(seq); f.match(e.tag.source, e.tag.dyno) {
			out = append(out, e.line(seq))
		}
	}
	return Page{Lines: out, Cursor: max(seq-1, after), Dropped: dropped}
}

func (e entry) line(seq uint64) Line {
	return Line{Seq: seq, Time: time.Unix(0, e.nano).UTC(), Source: e.tag.source, Dyno: e.tag.dyno, Message: e.message}
}
