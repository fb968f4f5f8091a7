package certs

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kingvon-ke/bera"
)

// Selector picks the certificate for a TLS handshake by its server name (SNI): a manual
// certificate (Endpoint) of the app the name is a custom domain of, else an automatic one
// from Fallback, else Default. A manual certificate is never served for any other name, even
// one it covers: not for another app's domain, not for the platform's APP.DOMAIN names. It
// is safe for concurrent use; SetEndpoints swaps the table atomically.
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

// sniTable maps custom domains to the certificate that serves them.
type sniTable struct {
	byHost map[string]*tls.Certificate
}

// SetEndpoints replaces the manual certificates and the custom domains they may serve. Each
// domain gets the certificate, among its own app's endpoints, that covers it and expires
// last; a name that is no custom domain, or whose app has no covering certificate, gets
// none. An endpoint whose certificate does not parse is left out; the returned error names
// each one (the others are still installed).
func (s *Selector) SetEndpoints(eps []*bera.Endpoint, domains []*bera.Domain) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := make(map[string]parsedEndpoint, len(eps))
	byApp := map[string][]*tls.Certificate{}
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
		byApp[ep.AppID] = append(byApp[ep.AppID], p.cert)
	}
	t := &sniTable{byHost: make(map[string]*tls.Certificate, len(domains))}
	for _, d := range domains {
		if d.Kind == bera.DomainKindHeroku || d.AppID == "" {
			continue
		}
		host := strings.TrimSuffix(strings.ToLower(d.Hostname), ".")
		for _, c := range byApp[d.AppID] {
			if old := t.byHost[host]; Covers(c, host) && (old == nil || old.Leaf.NotAfter.Before(c.Leaf.NotAfter)) {
				t.byHost[host] = c
			}
		}
	}
	s.parsed = next
	s.table.Store(t)
	return errors.Join(errs...)
}

// lookup returns the manual certificate for name, or nil.
func (t *sniTable) lookup(name string) *tls.Certificate {
	if t == nil {
		return nil
	}
	return t.byHost[name]
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
