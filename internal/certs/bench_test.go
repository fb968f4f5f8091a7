package certs_test

import (
	"crypto/tls"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/certs"
)

// BenchmarkSelector_GetCertificate picks a manual certificate by SNI among 1000 endpoints
// (half exact names, half wildcards), the work done on every TLS handshake.
func BenchmarkSelector_GetCertificate(b *testing.B) {
	var eps []*bera.Endpoint
	var domains []*bera.Domain
	for i := range 1000 {
		name := fmt.Sprintf("www.site%d.example", i)
		if i%2 == 1 {
			name = fmt.Sprintf("*.site%d.example", i)
		}
		chain, key := pair(b, time.Now().Add(time.Hour), name)
		app := fmt.Sprint("app", i)
		eps = append(eps, &bera.Endpoint{ID: fmt.Sprint(i), AppID: app, CertificateChain: chain, PrivateKey: key})
		domains = append(domains, &bera.Domain{AppID: app, Hostname: strings.Replace(name, "*", "api", 1), Kind: bera.DomainKindCustom})
	}
	sel := &certs.Selector{}
	if err := sel.SetEndpoints(eps, domains); err != nil {
		b.Fatal(err)
	}
	hellos := []*tls.ClientHelloInfo{{ServerName: "www.site500.example"}, {ServerName: "api.site501.example"}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := sel.GetCertificate(hellos[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelector_SetEndpoints reloads 1000 unchanged endpoints, as the server does every
// second.
func BenchmarkSelector_SetEndpoints(b *testing.B) {
	var eps []*bera.Endpoint
	var domains []*bera.Domain
	for i := range 1000 {
		name := fmt.Sprintf("www.site%d.example", i)
		chain, key := pair(b, time.Now().Add(time.Hour), name)
		app := fmt.Sprint("app", i)
		eps = append(eps, &bera.Endpoint{ID: fmt.Sprint(i), AppID: app, CertificateChain: chain, PrivateKey: key})
		domains = append(domains, &bera.Domain{AppID: app, Hostname: name, Kind: bera.DomainKindCustom})
	}
	sel := &certs.Selector{}
	sel.SetEndpoints(eps, domains)
	b.ReportAllocs()
	for b.Loop() {
		sel.SetEndpoints(eps, domains)
	}
}
