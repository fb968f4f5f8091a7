package runtimetest

import (
	"context"
	"strings"
	"sync"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// Collector records the output lines of a runtime, for tests to wait on.
type Collector struct {
	mu      sync.Mutex // guards the following
	lines   []runtime.Line
	changed chan struct{}
}

// NewCollector returns an empty collector.
func NewCollector() *Collector {
	return &Collector{changed: make(chan struct{})}
}

// Add records a line; pass it as a runtime's output sink.
func (c *Collector) Add(l runtime.Line) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, l)
	close(c.changed)
	c.changed = make(chan struct{})
}

// Lines returns the lines of one dyno and stream, in order.
func (c *Collector) Lines(id string, stream runtime.Stream) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.lines {
		if l.DynoID == id && l.Stream == stream {
			out = append(out, l.Text)
		}
	}
	return out
}

// Await blocks until dyno id has written a line containing substr, or ctx ends.
func (c *Collector) Await(ctx context.Context, id, substr string) bool {
	for {
		c.mu.Lock()
		changed := c.changed
		for _, l := range c.lines {
			if l.DynoID == id && strings.Contains(l.Text, substr) {
				c.mu.Unlock()
				return true
			}
		}
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return false
		}
	}
}
