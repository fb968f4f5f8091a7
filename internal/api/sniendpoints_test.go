package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
)

// certRequest is an sni-endpoints body with a fresh self-signed certificate for names.
func certRequest(t *testing.T, names ...string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	body, _ := json.Marshal(map[string]string{
		"certificate_chain": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"private_key":       string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
	})
	return string(body)
}

// A tenant could upload a certificate for another tenant's domain or for the platform's
// names and have it served for them; the upload is now refused with a message naming the
// name and why.
func TestSNIEndpoints_RefuseNamesTheAppDoesNotOwn(t *testing.T) {
	h := newHarnessWith(t, func(c *api.Config) { c.Domain = "bera.test" })
	h.mustApp("cert-mine")
	if w := h.do("POST", "/apps", h.other, `{"name":"cert-theirs"}`); w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	if w := h.do("POST", "/apps/cert-theirs/domains", h.other, `{"hostname":"shop.example.com"}`); w.Code != http.StatusCreated {
		t.Fatalf("add domain: %d %s", w.Code, w.Body)
	}
	h.json("POST", "/apps/cert-mine/domains", `{"hostname":"www.example.com"}`, http.StatusCreated, nil)
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"shop.example.com"}, "The certificate names shop.example.com, which covers shop.example.com, a custom domain of another app"},
		{[]string{"www.example.com", "*.example.com"}, "The certificate names *.example.com, which covers shop.example.com, a custom domain of another app"},
		{[]string{"*.bera.test"}, "The certificate names *.bera.test, which is under bera.test, the platform's own domain"},
		{[]string{"bera.test"}, "The certificate names bera.test, which is under bera.test"},
		{[]string{"cert-theirs.bera.test"}, "The certificate names cert-theirs.bera.test, which is under bera.test"},
	} {
		w := h.do("POST", "/apps/cert-mine/sni-endpoints", h.key, certRequest(t, tc.names...))
		wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
		wantMessage(t, w, tc.want)
	}
	var eps []map[string]any
	h.json("GET", "/apps/cert-mine/sni-endpoints", "", http.StatusOK, &eps)
	if len(eps) != 0 {
		t.Fatalf("refused uploads were stored: %v", eps)
	}
	// The app's own names, and names not yet anyone's domain, are fine; updating the
	// endpoint to a certificate for another app's domain is refused like an upload.
	var ep struct{ ID string }
	h.json("POST", "/apps/cert-mine/sni-endpoints", certRequest(t, "www.example.com", "new.example.org"), http.StatusCreated, &ep)
	w := h.do("PATCH", "/apps/cert-mine/sni-endpoints/"+ep.ID, h.key, certRequest(t, "shop.example.com"))
	wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	wantMessage(t, w, "a custom domain of another app")
}
