package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
)

// MaxPEMBytes bounds an uploaded certificate chain or key.
const MaxPEMBytes = 64 << 10

// Info describes an endpoint's leaf certificate, for the API's ssl_cert object.
type Info struct {
	Domains    []string // DNS names (SANs, else the common name)
	Issuer     string
	Subject    string
	NotBefore  time.Time
	NotAfter   time.Time
	SelfSigned bool
	// Trusted says the chain verifies against the system's roots (Heroku's "ca_signed?").
	Trusted bool
}

// ParseKeyPair parses a PEM certificate chain and its private key, checks that they belong
// together, and returns the certificate with Leaf set. It refuses empty input, input over
// MaxPEMBytes, and leaf certificates without a DNS name. Errors are bera.EInvalid with
// Resource "sni_endpoint".
func ParseKeyPair(chainPEM, keyPEM string) (*tls.Certificate, error) {
	if len(chainPEM) > MaxPEMBytes || len(keyPEM) > MaxPEMBytes {
		return nil, certInvalid("The certificate chain and key must each be at most 64 KiB.")
	}
	if !strings.Contains(chainPEM, "-----BEGIN CERTIFICATE-----") {
		return nil, certInvalid("The certificate chain must hold at least one PEM CERTIFICATE block.")
	}
	cert, err := tls.X509KeyPair([]byte(chainPEM), []byte(keyPEM))
	if err != nil {
		return nil, certInvalid("The certificate and private key could not be read or do not match: " + err.Error() + ".")
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, certInvalid("The leaf certificate could not be parsed.")
		}
	}
	if len(names(cert.Leaf)) == 0 {
		return nil, certInvalid("The certificate names no domain.")
	}
	return &cert, nil
}

// Describe returns the Info of a parsed certificate.
func Describe(cert *tls.Certificate) Info {
	l := cert.Leaf
	return Info{Domains: names(l), Issuer: l.Issuer.String(), Subject: l.Subject.String(),
		NotBefore: l.NotBefore.UTC(), NotAfter: l.NotAfter.UTC(),
		SelfSigned: bytes.Equal(l.RawIssuer, l.RawSubject) && l.CheckSignature(l.SignatureAlgorithm, l.RawTBSCertificate, l.Signature) == nil,
		Trusted:    trusted(cert)}
}

// trusted reports whether cert's chain verifies against the system roots (now, for any of
// its names).
func trusted(cert *tls.Certificate) bool {
	inter := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(c)
		}
	}
	_, err := cert.Leaf.Verify(x509.VerifyOptions{Intermediates: inter})
	return err == nil
}

// names returns the lower-cased DNS names a certificate is for: its SANs, or its common
// name when it has none.
func names(l *x509.Certificate) []string {
	src := l.DNSNames
	if len(src) == 0 && l.Subject.CommonName != "" && !isIP(l.Subject.CommonName) {
		src = []string{l.Subject.CommonName}
	}
	out := make([]string, 0, len(src))
	for _, n := range src {
		out = append(out, strings.TrimSuffix(strings.ToLower(n), "."))
	}
	return out
}

// Covers reports whether cert is valid for hostname, by its names (wildcards match one label).
func Covers(cert *tls.Certificate, hostname string) bool {
	for _, n := range names(cert.Leaf) {
		if matchName(n, hostname) {
			return true
		}
	}
	return false
}

func matchName(pattern, host string) bool {
	if pattern == host {
		return true
	}
	rest, ok := strings.CutPrefix(pattern, "*.")
	if !ok {
		return false
	}
	_, parent, found := strings.Cut(host, ".")
	return found && parent == rest
}

func certInvalid(msg string) error {
	return &bera.Error{Code: bera.EInvalid, Resource: "sni_endpoint", Message: msg}
}
