package addons

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// Sealer encrypts state at rest; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

// Dirs keeps one directory per instance under Root (DATA/addons/<id>), each with a
// state.json that names its service and holds the provider's state sealed by Box, so that
// passwords are encrypted at rest. Providers of several services can share one Root: each
// lists only its own instances.
type Dirs struct {
	Root    string
	Service string
	Box     Sealer
}

// stateFile is what state.json holds: the service in clear (to sort instances by provider
// without the key) and the provider's state sealed.
type stateFile struct {
	Service string `json:"service"`
	Sealed  []byte `json:"sealed"`
}

// Dir returns the directory of instance id.
func (d Dirs) Dir(id string) string { return filepath.Join(d.Root, id) }

// Create makes the directory of a new instance (0700). Returns ErrInvalidID or ErrExists.
func (d Dirs) Create(id string) (string, error) {
	if !ValidID(id) {
		return "", ErrInvalidID
	}
	if err := os.MkdirAll(d.Root, 0o711); err != nil {
		return "", fmt.Errorf("create add-on root: %w", err)
	}
	dir := d.Dir(id)
	if err := os.Mkdir(dir, 0o700); errors.Is(err, os.ErrExist) {
		return "", ErrExists
	} else if err != nil {
		return "", fmt.Errorf("create add-on directory: %w", err)
	}
	return dir, nil
}

// Save seals v and writes it as the state of id, atomically and durably.
func (d Dirs) Save(id string, v any) error {
	plain, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := d.Box.Seal(plain)
	if err != nil {
		return fmt.Errorf("seal add-on state: %w", err)
	}
	b, err := json.Marshal(stateFile{Service: d.Service, Sealed: sealed})
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(d.Dir(id), "state.json"), b)
}

// Load reads the state of id into v. Returns ErrInvalidID or ErrNotFound (also for an
// instance of another service).
func (d Dirs) Load(id string, v any) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	b, err := os.ReadFile(filepath.Join(d.Dir(id), "state.json"))
	if errors.Is(err, os.ErrNotExist) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("read add-on state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("read add-on state %s: %w", id, err)
	}
	if f.Service != d.Service {
		return ErrNotFound
	}
	plain, err := d.Box.Open(f.Sealed)
	if err != nil {
		return fmt.Errorf("read add-on state %s: %w", id, err)
	}
	return json.Unmarshal(plain, v)
}

// List returns the ids of the instances of d.Service under Root.
func (d Dirs) List() ([]string, error) {
	entries, err := os.ReadDir(d.Root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("list add-ons: %w", err)
	}
	var ids []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(d.Root, e.Name(), "state.json"))
		var f stateFile
		if err != nil || json.Unmarshal(b, &f) != nil || f.Service != d.Service {
			continue
		}
		ids = append(ids, e.Name())
	}
	return ids, nil
}

// Remove deletes the directory of id and everything in it.
func (d Dirs) Remove(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	return os.RemoveAll(d.Dir(id))
}

// writeFileSync writes path through a temporary file, fsyncs it and renames it into place.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// Check creates Root (0711) and, when the server runs as root, makes sure that every
// directory above it lets other users through (o+x): the instances run as uids of their
// own and must reach their directories. DATA is 0700 by default, so an add-on root under
// it needs DATA to be 0711 (search only, no listing).
func (d Dirs) Check() error {
	if err := os.MkdirAll(d.Root, 0o711); err != nil {
		return fmt.Errorf("create add-on root: %w", err)
	}
	if os.Geteuid() != 0 {
		return nil
	}
	abs, err := filepath.Abs(d.Root)
	if err != nil {
		return err
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("add-on root %s: %s is not searchable by the instances' uids (chmod o+x it)", d.Root, dir)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// Open checks the root and calls adopt for every instance directory under it. An instance
// that cannot be adopted is logged and left, so that one broken instance keeps no other down.
func (d Dirs) Open(log *slog.Logger, adopt func(id string) error) error {
	if err := d.Check(); err != nil {
		return err
	}
	ids, err := d.List()
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := adopt(id); err != nil {
			log.Error("add-on instance not started", "addon", id, "err", err)
		}
	}
	return nil
}
