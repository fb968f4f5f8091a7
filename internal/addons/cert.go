package addons

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"time"

	"github.com/kingvon-ke/bera/internal/pki"
)

// RenewBefore is how long before its expiry an instance's certificate is issued again
// (certificates from pki.CA.Issue last a year).
const RenewBefore = 30 * 24 * time.Hour

// WriteCert writes a server certificate for hosts, signed by ca, as PEM files only owner
// can read: crtPath holds the leaf then the CA, keyPath the PKCS #8 key.
func WriteCert(ca *pki.CA, owner Owner, crtPath, keyPath string, hosts []string) error {
	cert, err := ca.Issue(hosts)
	if err != nil {
		return fmt.Errorf("issue add-on certificate: %w", err)
	}
	var crt []byte
	for _, der := range cert.Certificate {
		crt = append(crt, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return err
	}
	// The key first: a crash in between leaves a pair that CertDue renews.
	if err := owner.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})); err != nil {
		return err
	}
	return owner.WriteFile(crtPath, crt)
}

// CertDue reports whether the certificate in crtPath expires within d, or cannot be read.
func CertDue(crtPath string, d time.Duration) bool {
	b, err := os.ReadFile(crtPath)
	if err != nil {
		return true
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return true
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	return err != nil || time.Until(cert.NotAfter) < d
}
