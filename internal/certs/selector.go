package certs

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Selector picks the certificate for a TLS handshake by its server name (SNI): a manual
// certificate (Endpoint) that covers the name, else an automatic one from Fallback, else
// Default. It is safe for concurrent use; SetEndpoints swaps the manual table atomically.
type Selector struct {
	// Fallback returns an automatic (ACME) certificate for a name, or an error when there
	// is none. Optional.
	Fallback func(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// Default serves names nothing else covers (the apps' own APP.DOMAIN). Optional.
	Default *tls.Certificate

	table atomic.Pointer[sniTable]

	mu sync.Mutex // guards the following
	// parsed caches endpoints by ID and update time, so a reload parses only changes.
	parsed map[string]parsedEndpoint
}

type parsedEndpoint struct {
	updated time.Time
	cert    *tls.Certificate
	err     error
}

// sniTable maps exact names and wildcard parents ("example.com" for "*.example.com") to
// certificates.
type sniTable struct {
	exact, wildcard map[string]*tls.Certificate
}

// SetEndpoints replaces the manual certificates. An endpoint whose certificate does not
// parse is left out; the returned error names each one (the others are still installed).
// When two endpoints cover a name, the one expiring last wins.
func (s *Selector) SetEndpoints(eps []*Endpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]parsedEndpoint, len(eps))
	t := &sniTable{exact: map[string]*tls.Certificate{}, wildcard: map[string]*tls.Certificate{}}
	var errs []error
	for _, ep := range eps {
		p, ok := s.parsed[ep.ID]
		if !ok || !p.updated.Equal(ep.UpdatedAt) {
			p.updated = ep.UpdatedAt
			p.cert, p.err = ParseKeyPair(ep.CertificateChain, ep.PrivateKey)
		}
		next[ep.ID] = p
		if p.err != nil {
			errs = append(errs, fmt.Errorf("endpoint %s: %w", ep.ID, p.err))
			continue
		}
		t.add(p.cert)
	}
	s.parsed = next
	s.table.Store(t)
	return errors.Join(errs...)
}

func (t *sniTable) add(cert *tls.Certificate) {
	for _, n := range names(cert.Leaf) {
		m, key := t.exact, n
		if parent, ok := strings.CutPrefix(n, "*."); ok {
			m, key = t.wildcard, parent
		}
		if old := m[key]; old == nil || old.Leaf.NotAfter.Before(cert.Leaf.NotAfter) {
			m[key] = cert
		}
	}
}

// lookup returns the manual certificate for name, or nil.
func (t *sniTable) lookup(name string) *tls.Certificate {
	if t == nil {
		return nil
	}
	if c := t.exact[name]; c != nil {
		return c
	}
	if _, parent, ok := strings.Cut(name, "."); ok {
		return t.wildcard[parent]
	}
	return nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (s *Selector) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := strings.TrimSuffix(strings.ToLower(hello.ServerName), ".")
	if c := s.table.Load().lookup(name); c != nil {
		return c, nil
	}
	if s.Fallback != nil && name != "" {
		if c, err := s.Fallback(hello); err == nil && c != nil {
			return c, nil
		}
	}
	if s.Default != nil {
		return s.Default, nil
	}
	return nil, fmt.Errorf("no certificate for %q", name)
}
