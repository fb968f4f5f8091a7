package certs

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kingvon-ke/bera"
)

// RedirectFeature is the app feature that sends plain HTTP requests to its custom domains
// to HTTPS.
const RedirectFeature = "http-to-https"

// Store is what a Manager reads. *store.Store satisfies it.
type Store interface {
	// ListEndpoints returns every app's manual certificates when appID is "".
	ListEndpoints(ctx context.Context, appID string) ([]*bera.Endpoint, error)
	// ListDomains returns every app's custom domains when appID is "".
	ListDomains(ctx context.Context, appID string) ([]*bera.Domain, error)
	// AppsWithFeature returns the IDs of the apps with a feature enabled.
	AppsWithFeature(ctx context.Context, name string) ([]string, error)
}

// Automatic is a source of automatic certificates: certs/acme's Manager.
type Automatic interface {
	// GetCertificate returns the certificate it holds for the handshake's name, or an error.
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// HTTPChallengeHandler answers its HTTP-01 challenges, passing other requests to h.
	HTTPChallengeHandler(h http.Handler) http.Handler
	// Kick makes it look at the store now.
	Kick()
	// Run keeps its certificates until ctx ends.
	Run(ctx context.Context) error
}

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	// Store is read for manual certificates, custom domains and the redirect feature.
	Store Store
	// Default serves the names nothing else covers (the apps' APP.DOMAIN). Optional.
	Default *tls.Certificate
	// Auto, when set, provides certificates for domains with no manual one (ACME).
	Auto Automatic
	// HTTPSAddr is the HTTPS router's listen address; its port goes into redirects.
	// "" means there is no HTTPS listener, so nothing is redirected.
	HTTPSAddr string
	// Resync is how often the store is read again though no change was reported (changes
	// made through another server). Default 30 s.
	Resync time.Duration
	Logger *slog.Logger
}

// Manager serves TLS for apps: the certificate for each handshake (a manual one by SNI,
// else Auto's, else Default), and on the plain-HTTP router, Auto's challenges and the
// http-to-https redirect of custom domains. It reads the store once at start, again after
// each reported change (Changed), and every ManagerConfig.Resync: three queries each time,
// whatever the number of apps.
type Manager struct {
	cfg    ManagerConfig
	log    *slog.Logger
	sel    *Selector
	suffix string // ":PORT" of HTTPSAddr, "" for 443
	wake   chan struct{}
	// redirect holds the custom hostnames whose apps have http-to-https on.
	redirect atomic.Pointer[map[string]bool]
}

// NewManager returns a Manager for cfg; call Run to load and keep its certificates.
func NewManager(cfg ManagerConfig) *Manager {
	if cfg.Resync == 0 {
		cfg.Resync = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{cfg: cfg, log: cfg.Logger.With("component", "tls"), sel: &Selector{Default: cfg.Default},
		wake: make(chan struct{}, 1)}
	if cfg.Auto != nil {
		m.sel.Fallback = cfg.Auto.GetCertificate
	}
	if _, port, err := net.SplitHostPort(cfg.HTTPSAddr); err == nil && port != "443" {
		m.suffix = ":" + port
	}
	m.redirect.Store(&map[string]bool{})
	return m
}

// GetCertificate implements tls.Config.GetCertificate.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return m.sel.GetCertificate(hello)
}

// TLSConfig returns the HTTPS router's TLS configuration: certificates from m, HTTP/2 and
// HTTP/1.1, TLS 1.2 at least.
func (m *Manager) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: m.GetCertificate, NextProtos: []string{"h2", "http/1.1"}, MinVersion: tls.VersionTLS12}
}

// Changed reports a change to an app's domains, certificates, ACM or features: m reads the
// store again at once. It never blocks.
func (m *Manager) Changed(appID string) {
	select {
	case m.wake <- struct{}{}:
	default:
	}
	if m.cfg.Auto != nil {
		m.cfg.Auto.Kick()
	}
}

// Run loads the certificates and redirects, then keeps them in step with the store until
// ctx ends; Auto runs alongside. It returns Auto's error, if any.
func (m *Manager) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var autoErr error
	if m.cfg.Auto != nil {
		wg.Go(func() { autoErr = m.cfg.Auto.Run(ctx) })
	}
	tick := time.NewTicker(m.cfg.Resync)
	defer tick.Stop()
	for done := false; !done; {
		if err := m.Reload(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("reload certificates", "err", err)
		}
		select {
		case <-ctx.Done():
			done = true
		case <-tick.C:
		case <-m.wake:
		}
	}
	wg.Wait()
	return autoErr
}

// Reload reads the manual certificates, the custom domains and the redirect feature from
// the store once, and installs them. An unusable certificate is logged and left out.
func (m *Manager) Reload(ctx context.Context) error {
	eps, err := m.cfg.Store.ListEndpoints(ctx, "")
	if err != nil {
		return err
	}
	domains, err := m.cfg.Store.ListDomains(ctx, "")
	if err != nil {
		return err
	}
	if err := m.sel.SetEndpoints(eps, domains); err != nil {
		m.log.Warn("unusable manual certificate", "err", err)
	}
	if m.cfg.HTTPSAddr == "" {
		return nil
	}
	ids, err := m.cfg.Store.AppsWithFeature(ctx, RedirectFeature)
	if err != nil {
		return err
	}
	on := make(map[string]bool, len(ids))
	for _, id := range ids {
		on[id] = true
	}
	redirect := map[string]bool{}
	for _, d := range domains {
		if on[d.AppID] {
			redirect[d.Hostname] = true
		}
	}
	m.redirect.Store(&redirect)
	return nil
}
