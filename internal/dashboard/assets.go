package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assetFS embed.FS

// assets are the embedded CSS and JavaScript files, served under content-hashed names so a
// browser may cache them forever.
type assets struct {
	urls   map[string]string // "style.css" -> "/dashboard/assets/style.1a2b3c4d5e6f.css"
	byName map[string][]byte // hashed name -> content
}

func loadAssets() (*assets, error) {
	a := &assets{urls: map[string]string{}, byName: map[string][]byte{}}
	err := fs.WalkDir(assetFS, "assets", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.urls[name] = Prefix + "assets/" + hashed
		a.byName[hashed] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load dashboard assets: %w", err)
	}
	return a, nil
}

// url returns the URL of the asset name; templates call it as {{asset "style.css"}}.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("no dashboard asset %q", name)
	}
	return u, nil
}

// ServeHTTP serves GET /dashboard/assets/{name}.
func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	data, ok := a.byName[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(name)))
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}
