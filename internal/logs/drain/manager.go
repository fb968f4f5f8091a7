package drain

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/kingvon-ke/bera/internal/logs"
)

// Registry hands sinks every line written to an app; *logs.Buffer implements it.
type Registry interface {
	AddSink(appID string, s logs.Sink)
	RemoveSink(appID string, s logs.Sink)
}

// ManagerConfig configures a Manager. Exactly one of Registry and Stream is set.
type ManagerConfig struct {
	// Registry feeds drains directly on write (the in-memory buffer).
	Registry Registry
	// Stream feeds drains by following it (logs.Follow), for shared backends such as Redis.
	Stream logs.Stream
	// Log receives the drains' L10 lines; usually the same buffer.
	Log Writer
	// Logger is passed to the drains; nil means slog.Default().
	Logger *slog.Logger
}

// Manager runs the drains of all apps: Add starts one, Remove stops it, Close stops all.
// It owns the goroutines of its drains.
type Manager struct {
	cfg ManagerConfig
	wg  sync.WaitGroup

	mu     sync.Mutex // guards the following
	drains map[string]*running
	closed bool
}

type running struct {
	appID  string
	d      *Drain
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManager returns a Manager with no drains.
func NewManager(cfg ManagerConfig) *Manager {
	return &Manager{cfg: cfg, drains: make(map[string]*running)}
}

// NewToken returns a drain token in Heroku's form, "d.UUID", for Config.Host/Token.
func NewToken() string { return "d." + uuid.NewString() }

// Add starts delivering the app's lines to a drain with cfg (AppID, Log and Logger are
// filled in), under id. An existing drain with the same id is replaced.
func (m *Manager) Add(id string, cfg Config) error {
	cfg.Log, cfg.Logger = m.cfg.Log, m.cfg.Logger
	d, err := New(cfg)
	if err != nil {
		return fmt.Errorf("add drain %s: %w", id, err)
	}
	m.Remove(id)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{appID: cfg.AppID, d: d, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		cancel()
		return fmt.Errorf("add drain %s: manager is closed", id)
	}
	m.drains[id] = r
	m.start(ctx, r)
	return nil
}

// start runs the drain and connects it to the app's lines.
func (m *Manager) start(ctx context.Context, r *running) {
	if m.cfg.Registry != nil {
		m.cfg.Registry.AddSink(r.appID, r.d)
	} else {
		m.wg.Go(func() { _ = logs.Follow(ctx, m.cfg.Stream, r.appID, r.d) })
	}
	m.wg.Go(func() {
		defer close(r.done)
		_ = r.d.Run(ctx)
	})
}

// Remove stops the drain id, if it runs, and waits for it; queued lines are lost.
func (m *Manager) Remove(id string) {
	m.mu.Lock()
	r := m.drains[id]
	delete(m.drains, id)
	m.mu.Unlock()
	if r == nil {
		return
	}
	if m.cfg.Registry != nil {
		m.cfg.Registry.RemoveSink(r.appID, r.d)
	}
	r.cancel()
	<-r.done
}

// Stats returns the counters of drain id.
func (m *Manager) Stats(id string) (Stats, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.drains[id]
	if !ok {
		return Stats{}, false
	}
	return r.d.Stats(), true
}

// Close stops every drain and waits for their goroutines.
func (m *Manager) Close() error {
	m.mu.Lock()
	m.closed = true
	ids := make([]string, 0, len(m.drains))
	for id := range m.drains {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		m.Remove(id)
	}
	m.wg.Wait()
	return nil
}
