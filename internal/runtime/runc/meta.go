package runc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kingvon-ke/bera/internal/runtime"
)

// meta is what the runtime keeps on disk about a dyno to adopt it after a restart. It
// holds no config vars (those live only in the bundle's config.json, mode 0600).
type meta struct {
	ID          string
	App         string
	AppID       string
	Name        string
	Type        string
	ContainerID string
	IP          string
	Port        int
	// Network is the Private Space the dyno is in, "" for the common runtime.
	Network   string `json:",omitempty"`
	StartedAt time.Time
}

func (m meta) status() runtime.Status {
	return runtime.Status{ID: m.ID, App: m.App, AppID: m.AppID, Name: m.Name, Type: m.Type,
		State: runtime.StateRunning, Addr: fmt.Sprintf("%s:%d", m.IP, m.Port), StartedAt: m.StartedAt}
}

func writeMeta(dir string, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o600)
}

// reapHalfMade removes the dyno directories that have no meta: a start killed before it
// wrote one (it writes the meta before anything else outside the directory exists).
func (r *Runtime) reapHalfMade() error {
	entries, err := os.ReadDir(r.dynosDir())
	if err != nil {
		return fmt.Errorf("reap dyno directories: %w", err)
	}
	var errs []error
	for _, e := range entries {
		dir := r.dynoDir(e.Name())
		if _, err := os.Stat(filepath.Join(dir, "meta.json")); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		err := unmountDisk(dir)
		if err == nil {
			err = os.RemoveAll(dir)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reap dyno directory %s: %w", e.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// readMetas reads the meta of every dyno directory; directories without one are skipped.
func (r *Runtime) readMetas() ([]meta, error) {
	entries, err := os.ReadDir(r.dynosDir())
	if err != nil {
		return nil, fmt.Errorf("list dynos: %w", err)
	}
	var metas []meta
	var errs []error
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(r.dynosDir(), e.Name(), "meta.json"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		var m meta
		if err == nil {
			err = json.Unmarshal(b, &m)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("read dyno %s: %w", e.Name(), err))
			continue
		}
		metas = append(metas, m)
	}
	return metas, errors.Join(errs...)
}
