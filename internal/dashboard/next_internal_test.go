package dashboard

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzSafeNext checks that the sign-in page's "next" can only ever name a page on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/apps/x", "//evil.example", "/\\evil.example", "https://evil.example/", "/dashboard/logout", "", "/%2F%2Fevil", "/\t/evil.example", "/%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := safeNext(in)
		u, err := url.Parse(got)
		if err != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") || strings.ContainsAny(got, "\\\t\n\r") {
			t.Fatalf("safeNext(%q) = %q, which may leave the site", in, got)
		}
		if strings.HasPrefix(got, Prefix) {
			t.Fatalf("safeNext(%q) = %q, a form action", in, got)
		}
	})
}
