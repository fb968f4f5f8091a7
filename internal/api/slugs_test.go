package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// A CNB build's slug, its image and its releases, as the API shows them; other users see
// none of it.
func TestSlugAndOCIImageInfo(t *testing.T) {
	h := newHarness(t)
	var app wire.App
	h.json("POST", "/apps", `{"name":"imaged"}`, http.StatusCreated, &app)
	ctx := context.Background()
	classic := &bera.Slug{AppID: app.ID, Checksum: "SHA256:aa", Size: 42, Commit: "c1", ProcessTypes: map[string]string{"web": "./web"},
		Stack: bera.DefaultStack}
	img := &bera.Slug{AppID: app.ID, Checksum: "SHA256:bb", Image: "sha256:bb", Commit: "c2", Stack: bera.DefaultStack,
		ProcessTypes: map[string]string{"web": "hello-server --port 5000", "worker": "work"},
		Buildpacks:   []string{"bera/go@0.1.0", "bera/procfile@0.1.0"}}
	for _, sl := range []*bera.Slug{classic, img} {
		if err := h.st.CreateSlug(ctx, sl); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.st.CreateRelease(ctx, &bera.Release{AppID: app.ID, SlugID: img.ID, Description: "Deploy c2"}); err != nil {
		t.Fatal(err)
	}

	var s wire.Slug
	h.json("GET", "/apps/imaged/slugs/"+classic.ID, "", http.StatusOK, &s)
	if s.OCIImage != nil || s.Size == nil || *s.Size != 42 || s.ProcessTypes["web"] != "./web" {
		t.Errorf("classic slug = %+v", s)
	}
	h.json("GET", "/apps/imaged/slugs/"+img.ID, "", http.StatusOK, &s)
	if s.OCIImage == nil || s.OCIImage.Digest != "sha256:bb" || s.OCIImage.ID != img.ID {
		t.Errorf("image slug = %+v", s)
	}

	var oi wire.OCIImage
	for _, ref := range []string{img.ID, "sha256:bb"} {
		h.json("GET", "/apps/imaged/oci-images/"+ref, "", http.StatusOK, &oi)
		if oi.Digest != "sha256:bb" || len(oi.Buildpacks) != 2 || oi.Buildpacks[0] != (wire.OCIImageBuildpack{ID: "bera/go", Version: "0.1.0"}) ||
			oi.ProcessTypes["worker"].DisplayCmd != "work" || oi.Commit != "c2" {
			t.Errorf("oci image by %s = %+v", ref, oi)
		}
	}
	w := h.do("GET", "/apps/imaged/oci-images/"+classic.ID, h.key, "")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "OCI image") {
		t.Errorf("a classic slug as an OCI image: %d %s", w.Code, w.Body)
	}

	var rels []wire.Release
	h.json("GET", "/apps/imaged/releases", "", http.StatusOK, &rels)
	last := rels[len(rels)-1]
	if last.OCIImage == nil || last.OCIImage.Digest != "sha256:bb" || rels[0].OCIImage != nil {
		t.Errorf("releases: last %+v, first %+v", last.OCIImage, rels[0].OCIImage)
	}

	for _, path := range []string{"/apps/imaged/slugs/" + img.ID, "/apps/imaged/oci-images/sha256:bb"} {
		if w := h.do("GET", path, h.other, ""); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
			t.Errorf("another user GET %s: %d %s", path, w.Code, w.Body)
		}
		if w := h.do("GET", path, "", ""); w.Code != http.StatusUnauthorized {
			t.Errorf("no key GET %s: %d", path, w.Code)
		}
	}
	if w := h.do("GET", "/apps/imaged/slugs/nope", h.key, ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), `"id":"not_found"`) {
		t.Errorf("missing slug: %d %s", w.Code, w.Body)
	}
}
