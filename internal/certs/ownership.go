package certs

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/kingvon-ke/bera"
)

// CheckOwnNames refuses a manual certificate for appID that names anything the app does not
// own: the platform's domain or any name under it (platformDomain, *.platformDomain,
// x.platformDomain, and wildcards that cover the domain itself), or a custom domain of
// another app (domains holds every app's). Names not yet added as domains are allowed, as on
// Heroku, where the certificate usually comes first. EInvalid (Resource "sni_endpoint")
// naming the certificate name and why.
func CheckOwnNames(cert *tls.Certificate, appID, platformDomain string, domains []*bera.Domain) error {
	platform := strings.TrimSuffix(strings.ToLower(platformDomain), ".")
	for _, n := range names(cert.Leaf) {
		if platform != "" && (n == platform || strings.HasSuffix(n, "."+platform) || matchName(n, platform)) {
			return &bera.Error{Code: bera.EInvalid, Resource: "sni_endpoint", Message: fmt.Sprintf(
				"The certificate names %s, which is under %s, the platform's own domain: certificates can only be for your app's custom domains.", n, platform)}
		}
		for _, d := range domains {
			if d.AppID != appID && matchName(n, d.Hostname) {
				return &bera.Error{Code: bera.EInvalid, Resource: "sni_endpoint", Message: fmt.Sprintf(
					"The certificate names %s, which covers %s, a custom domain of another app: certificates can only be for your app's custom domains.", n, d.Hostname)}
			}
		}
	}
	return nil
}
