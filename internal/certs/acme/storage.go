package acme

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// KV is the shared key/value space and lease table certmagic's state lives in.
// *store.Store satisfies it. Get and Stat return errors wrapping fs.ErrNotExist for a
// missing key; Keys lists every key under prefix/ (all keys for "").
type KV interface {
	CertPut(ctx context.Context, key string, value []byte) error
	CertGet(ctx context.Context, key string) ([]byte, error)
	CertDelete(ctx context.Context, key string) error
	CertKeys(ctx context.Context, prefix string) ([]string, error)
	CertStat(ctx context.Context, key string) (int64, time.Time, error)
	CertTryLock(ctx context.Context, name, owner string, ttl time.Duration) (bool, error)
	CertUnlock(ctx context.Context, name, owner string) error
}

// Lease timing: a held lock is extended every leaseRefresh and lapses leaseTTL after its
// holder stops extending it (a crashed server), so another server can take over.
const (
	leaseTTL     = 2 * time.Minute
	leaseRefresh = 30 * time.Second
	lockPoll     = 250 * time.Millisecond
)

// Storage is a certmagic.Storage over a KV, so every server on the same database shares ACME
// accounts, certificates and HTTP-01 challenge tokens.
type Storage struct {
	kv    KV
	owner string

	mu   sync.Mutex                    // guards the following
	held map[string]context.CancelFunc // lock name → stops its lease refresher
}

var (
	_ certmagic.Storage   = (*Storage)(nil)
	_ certmagic.TryLocker = (*Storage)(nil)
)

// NewStorage returns a Storage over kv with a fresh lock owner identity.
func NewStorage(kv KV) *Storage {
	b := make([]byte, 8)
	rand.Read(b)
	return &Storage{kv: kv, owner: hex.EncodeToString(b), held: map[string]context.CancelFunc{}}
}

func clean(key string) string { return strings.Trim(key, "/") }

// Store implements certmagic.Storage.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	return s.kv.CertPut(ctx, clean(key), value)
}

// Load implements certmagic.Storage.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	return s.kv.CertGet(ctx, clean(key))
}

// Delete implements certmagic.Storage.
func (s *Storage) Delete(ctx context.Context, key string) error {
	return s.kv.CertDelete(ctx, clean(key))
}

// Exists implements certmagic.Storage.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	_, err := s.Stat(ctx, key)
	return err == nil
}

// List implements certmagic.Storage: the keys directly under path, or every key and
// directory below it when recursive.
func (s *Storage) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	prefix := clean(path)
	keys, err := s.kv.CertKeys(ctx, prefix)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("list %s: %w", prefix, fs.ErrNotExist)
	}
	return listKeys(prefix, keys, recursive), nil
}

// listKeys turns stored keys under prefix into List's answer.
func listKeys(prefix string, keys []string, recursive bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, prefix+"/")
		if prefix == "" {
			rest = k
		}
		parts := strings.Split(rest, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			add(join(prefix, strings.Join(parts[:i+1], "/")))
		}
	}
	return out
}

func join(prefix, rest string) string {
	if prefix == "" {
		return rest
	}
	return prefix + "/" + rest
}

// Stat implements certmagic.Storage.
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	key = clean(key)
	size, mod, err := s.kv.CertStat(ctx, key)
	if err == nil {
		return certmagic.KeyInfo{Key: key, Size: size, Modified: mod, IsTerminal: true}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return certmagic.KeyInfo{}, err
	}
	keys, lerr := s.kv.CertKeys(ctx, key)
	if lerr != nil {
		return certmagic.KeyInfo{}, lerr
	}
	if len(keys) == 0 {
		return certmagic.KeyInfo{}, err
	}
	return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
}

// Lock implements certmagic.Locker: it waits until the lease is free, then holds it, extending
// it in the background until Unlock.
func (s *Storage) Lock(ctx context.Context, name string) error {
	for {
		ok, err := s.TryLock(ctx, name)
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("lock %s: %w", name, ctx.Err())
		case <-t.C:
		}
	}
}

// TryLock implements certmagic.TryLocker.
func (s *Storage) TryLock(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, mine := s.held[name]; mine {
		// The lease is ours already: another goroutine of this server holds it.
		return false, nil
	}
	ok, err := s.kv.CertTryLock(ctx, name, s.owner, leaseTTL)
	if err != nil || !ok {
		return false, err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.held[name] = cancel
	go s.refresh(rctx, name)
	return true, nil
}

// refresh extends a held lease until ctx ends (Unlock).
func (s *Storage) refresh(ctx context.Context, name string) {
	t := time.NewTicker(leaseRefresh)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.kv.CertTryLock(ctx, name, s.owner, leaseTTL)
		}
	}
}

// Unlock implements certmagic.Locker.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	cancel := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return s.kv.CertUnlock(context.WithoutCancel(ctx), name, s.owner)
}
