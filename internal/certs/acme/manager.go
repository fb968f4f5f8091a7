// Package acme obtains and renews certificates for apps' custom domains from an ACME CA
// (Let's Encrypt, or Pebble in tests) with certmagic, answering HTTP-01 challenges on the
// router's HTTP listener. Its state (account key, certificates, challenge tokens, locks) lives
// in the store through Storage, so every server shares it and only one obtains a given
// certificate at a time.
//
// Lifecycle:
//  1. New builds the Manager; nothing is contacted yet.
//  2. Wrap the router's HTTP handler with HTTPChallengeHandler, and use GetCertificate
//     (usually as a certs.Selector's Fallback) on the TLS listener.
//  3. Run polls the store for domains of apps with ACM on: it starts managing new ones
//     (obtain, then renew ahead of expiry), stops managing removed ones, and records each
//     domain's acm_status. It returns when ctx ends, after stopping renewals.
package acme

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
)

// Store is what the Manager reads and writes. *store.Store satisfies it.
type Store interface {
	KV
	// ListDomains returns every app's custom domains when appID is "".
	ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error)
	SetDomainACMStatus(ctx context.Context, hostname, status, reason string) error
}

// Config configures a Manager.
type Config struct {
	Store Store
	// CA is the ACME directory URL. Required.
	CA string
	// Roots are trusted for the CA's HTTPS endpoint; nil means the system roots.
	Roots *x509.CertPool
	// Email is the ACME account's contact. Optional.
	Email string
	// HTTPAddr is the router's HTTP listen address: certmagic must not start its own
	// challenge listener, and finding this address taken makes it rely on
	// HTTPChallengeHandler.
	HTTPAddr string
	// Interval is how often the store is polled for domain changes. Default 2 s.
	Interval time.Duration
	// RenewCheckInterval is how often certificates are checked for renewal (they are renewed
	// in the last third of their lifetime, or when the CA's renewal info says so). Default
	// 10 minutes.
	RenewCheckInterval time.Duration
	// Logger receives the Manager's lines and certmagic's, with component=acme. Default: none.
	Logger *slog.Logger
}

// Manager keeps certificates for the custom domains of apps with ACM on.
type Manager struct {
	cfg    Config
	log    *slog.Logger
	cache  *certmagic.Cache
	magic  *certmagic.Config
	issuer *certmagic.ACMEIssuer

	mu      sync.Mutex      // guards the following
	managed map[string]bool // hostnames handed to certmagic
	wake    chan struct{}
}

var _ certs.Automatic = (*Manager)(nil)

// New returns a Manager for cfg.
func New(cfg Config) (*Manager, error) {
	if cfg.CA == "" || cfg.Store == nil {
		return nil, errors.New("acme: a CA URL and a store are required")
	}
	if cfg.Interval == 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{cfg: cfg, log: cfg.Logger.With("component", "acme"), managed: map[string]bool{}, wake: make(chan struct{}, 1)}
	zl := ZapLogger(m.log)
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		RenewCheckInterval: cfg.RenewCheckInterval,
		Logger:             zl,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		Storage: NewStorage(cfg.Store), OnEvent: m.onEvent, Logger: zl,
	})
	host, port, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("acme: router HTTP address %q: %w", cfg.HTTPAddr, err)
	}
	p, _ := strconv.Atoi(port)
	m.issuer = certmagic.NewACMEIssuer(m.magic, certmagic.ACMEIssuer{
		CA: cfg.CA, TrustedRoots: cfg.Roots, Email: cfg.Email, Agreed: true,
		DisableTLSALPNChallenge: true, ListenHost: host, AltHTTPPort: p, Logger: zl,
	})
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return m, nil
}

// HTTPChallengeHandler wraps the router's HTTP handler so it answers ACME HTTP-01
// challenges (for challenges any server started) and passes everything else to h.
func (m *Manager) HTTPChallengeHandler(h http.Handler) http.Handler {
	return m.issuer.HTTPChallengeHandler(h)
}

// GetCertificate returns the managed certificate for the handshake's server name, or an
// error when there is none (it never obtains one during a handshake).
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	for _, c := range m.cache.AllMatchingCertificates(hello.ServerName) {
		if !c.Expired() {
			return &c.Certificate, nil
		}
	}
	return nil, fmt.Errorf("acme: no certificate for %q", hello.ServerName)
}

// Kick makes Run look at the store now instead of at its next poll.
func (m *Manager) Kick() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Run manages certificates until ctx ends.
func (m *Manager) Run(ctx context.Context) error {
	defer m.cache.Stop()
	t := time.NewTicker(m.cfg.Interval)
	defer t.Stop()
	for {
		if err := m.Sync(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("sync certificates", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-m.wake:
		}
	}
}

// Sync brings the managed set in line with the store once: new ACM domains start being
// managed (certificates are obtained in the background), removed ones stop, and domains
// whose certificate is in the cache are marked issued.
func (m *Manager) Sync(ctx context.Context) error {
	domains, err := m.cfg.Store.ListDomains(ctx, "")
	if err != nil {
		return err
	}
	want := map[string]*bera.Domain{}
	for _, d := range domains {
		if d.ACM && d.EndpointID == "" {
			want[d.Hostname] = d
		}
	}
	added, removed := m.diff(want)
	if len(removed) > 0 {
		m.unmanage(removed)
	}
	if len(added) > 0 {
		if err := m.magic.ManageAsync(ctx, added); err != nil {
			return fmt.Errorf("manage %v: %w", added, err)
		}
	}
	return m.markIssued(ctx, want)
}

// diff records want as the managed set and returns what it adds and removes.
func (m *Manager) diff(want map[string]*bera.Domain) (added, removed []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h := range want {
		if !m.managed[h] {
			added = append(added, h)
			m.managed[h] = true
		}
	}
	for h := range m.managed {
		if want[h] == nil {
			removed = append(removed, h)
			delete(m.managed, h)
		}
	}
	return added, removed
}

func (m *Manager) unmanage(hosts []string) {
	subjects := make([]certmagic.SubjectIssuer, 0, len(hosts))
	for _, h := range hosts {
		subjects = append(subjects, certmagic.SubjectIssuer{Subject: h})
	}
	m.cache.RemoveManaged(subjects)
}

// markIssued sets acm_status "cert issued" on domains whose certificate is in the cache.
func (m *Manager) markIssued(ctx context.Context, want map[string]*bera.Domain) error {
	var errs []error
	for h, d := range want {
		if d.ACMStatus == bera.ACMIssued || len(m.cache.AllMatchingCertificates(h)) == 0 {
			continue
		}
		errs = append(errs, m.cfg.Store.SetDomainACMStatus(ctx, h, bera.ACMIssued, ""))
	}
	return errors.Join(errs...)
}

// onEvent records failures and issuance as they happen.
func (m *Manager) onEvent(ctx context.Context, event string, data map[string]any) error {
	host, _ := data["identifier"].(string)
	switch event {
	case "cert_obtained":
		m.log.Info("certificate obtained", "domain", host)
		m.Kick()
	case "cert_failed":
		err, _ := data["error"].(error)
		m.log.Warn("certificate not obtained", "domain", host, "err", err)
		reason := "The certificate authority did not issue a certificate."
		if err != nil {
			reason = err.Error()
		}
		if serr := m.cfg.Store.SetDomainACMStatus(context.WithoutCancel(ctx), host, bera.ACMFailed, reason); serr != nil {
			m.log.Error("record acm status", "domain", host, "err", serr)
		}
	}
	return nil
}
