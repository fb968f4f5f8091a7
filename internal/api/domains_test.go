package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

type domainResp struct {
	ID, Hostname, Kind, Status string
	CNAME                      *string                    `json:"cname"`
	ACMStatus                  *string                    `json:"acm_status"`
	SNIEndpoint                *struct{ ID, Name string } `json:"sni_endpoint"`
}

func TestDomains_CreateListDelete(t *testing.T) {
	h := newHarness(t)
	h.mustApp("dom-app")
	var d domainResp
	h.json("POST", "/apps/dom-app/domains", `{"hostname":"WWW.Example.com","sni_endpoint":null}`, http.StatusCreated, &d)
	if d.Hostname != "www.example.com" || d.Kind != "custom" || d.CNAME == nil || *d.CNAME != "dom-app.localhost" || d.ACMStatus != nil {
		t.Errorf("created %+v", d)
	}
	var list []domainResp
	h.json("GET", "/apps/dom-app/domains", "", http.StatusOK, &list, "Range: id ..; max=1000;")
	if len(list) != 2 {
		t.Fatalf("list = %+v", list)
	}
	h.json("GET", "/apps/dom-app/domains/dom-app.localhost", "", http.StatusOK, &d)
	if d.Kind != "heroku" || d.Status != "none" {
		t.Errorf("own domain = %+v", d)
	}
	h.json("POST", "/apps/dom-app/acm", "", http.StatusOK, nil)
	h.json("GET", "/apps/dom-app/domains/www.example.com", "", http.StatusOK, &d)
	if d.ACMStatus == nil || *d.ACMStatus != "pending" {
		t.Errorf("after ACM on: %+v", d)
	}
	h.json("DELETE", "/apps/dom-app/domains/www.example.com", "", http.StatusOK, nil)
	wantError(t, h.do("GET", "/apps/dom-app/domains/www.example.com", h.key, ""), http.StatusNotFound, "not_found")
}

func TestDomains_Errors(t *testing.T) {
	h := newHarness(t)
	h.mustApp("dom-one")
	h.mustApp("dom-two")
	h.json("POST", "/apps/dom-one/domains", `{"hostname":"taken.example.com"}`, http.StatusCreated, nil)
	for name, body := range map[string]string{
		"taken":    `{"hostname":"taken.example.com"}`,
		"platform": `{"hostname":"dom-one.localhost"}`,
		"wildcard": `{"hostname":"*.example.com"}`,
		"ip":       `{"hostname":"10.0.0.1"}`,
		"empty":    `{"hostname":""}`,
		"bad cert": `{"hostname":"x.example.com","sni_endpoint":"nope"}`,
		"too long": `{"hostname":"` + strings.Repeat("a.", 130) + `com"}`,
	} {
		w := h.do("POST", "/apps/dom-two/domains", h.key, body)
		if name == "bad cert" {
			wantError(t, w, http.StatusNotFound, "not_found")
			continue
		}
		wantError(t, w, http.StatusUnprocessableEntity, "invalid_params")
	}
	// Another user cannot see or change the app's domains.
	wantError(t, h.do("GET", "/apps/dom-one/domains", h.other, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/apps/dom-one/domains", h.other, `{"hostname":"mine.example.com"}`), http.StatusNotFound, "not_found")
	wantError(t, h.do("DELETE", "/apps/dom-one/domains/taken.example.com", h.other, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/apps/dom-one/acm", h.other, ""), http.StatusNotFound, "not_found")
	wantError(t, h.do("POST", "/apps/dom-one/sni-endpoints", h.key, `{"certificate_chain":"x","private_key":"y"}`),
		http.StatusUnprocessableEntity, "invalid_params")
}

// TestDomains_Pagination checks 206 with Next-Range only while more domains remain.
func TestDomains_Pagination(t *testing.T) {
	h := newHarness(t)
	h.mustApp("dom-many")
	for i := range 4 {
		h.json("POST", "/apps/dom-many/domains", fmt.Sprintf(`{"hostname":"d%d.example.com"}`, i), http.StatusCreated, nil)
	}
	var page []domainResp
	w := h.json("GET", "/apps/dom-many/domains", "", http.StatusPartialContent, &page, "Range: id ..; max=3")
	next := w.Header().Get("Next-Range")
	if len(page) != 3 || next == "" {
		t.Fatalf("first page %d items, Next-Range %q", len(page), next)
	}
	w = h.json("GET", "/apps/dom-many/domains", "", http.StatusOK, &page, "Range: "+next)
	if len(page) != 2 || w.Header().Get("Next-Range") != "" {
		t.Errorf("last page %d items, Next-Range %q", len(page), w.Header().Get("Next-Range"))
	}
}
