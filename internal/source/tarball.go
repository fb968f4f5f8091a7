package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/netguard"
	"github.com/kingvon-ke/bera/internal/slug"
)

// Tarball downloads the tarball (gzip or plain tar) at rawURL into dir, which must not
// exist, and strips a single top-level directory as GitHub's archives have. When checksum
// ("SHA256:<hex>") is set the download must match it. Only http and https URLs are fetched,
// redirects included; the archive is extracted by slug.Extract, which refuses hostile entries.
func (f *Fetcher) Tarball(ctx context.Context, rawURL, checksum, dir string) error {
	if _, err := f.checkTarballURL(rawURL); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	tmp, err := os.CreateTemp("", "bera-source-*.tgz")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum, err := f.download(ctx, rawURL, tmp)
	if err != nil {
		return err
	}
	if want, ok := strings.CutPrefix(strings.ToLower(checksum), "sha256:"); checksum != "" && (!ok || want != sum) {
		return bera.Errorf(bera.EInvalid, "The tarball at %s does not match its checksum.", quoteURL(rawURL))
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return f.extract(ctx, tmp, rawURL, dir)
}

func (f *Fetcher) checkTarballURL(rawURL string) (string, error) {
	u, err := f.Policy.CheckURL(rawURL)
	if err != nil {
		return "", err
	}
	if u.Scheme == "git" {
		return "", invalidURL(rawURL, "tarballs are fetched over http or https only")
	}
	return u.String(), nil
}

// client refuses redirects to URLs the policy does not allow and, unless it allows private
// addresses, connections to them, checked on the address dialled. It uses no proxy from
// the environment, whose address would be the one checked.
func (f *Fetcher) client() *http.Client {
	tr := &http.Transport{DialContext: f.Policy.dialer().DialContext, Proxy: nil, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: 30 * time.Second, ResponseHeaderTimeout: time.Minute, MaxIdleConns: 1}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		_, err := f.checkTarballURL(req.URL.String())
		return err
	}}
}

// download writes the body at rawURL to w, up to MaxBytes, and returns its SHA-256 in hex.
func (f *Fetcher) download(ctx context.Context, rawURL string, w io.Writer) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", invalidURL(rawURL, "it is not a valid URL")
	}
	c := f.client()
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		var be *bera.Error
		if errors.As(err, &be) {
			return "", be
		}
		var blocked *netguard.BlockedError
		if errors.As(err, &blocked) {
			var ue *url.Error
			if errors.As(err, &ue) && ue.URL != rawURL {
				return "", invalidURL(rawURL, "it redirects to "+quoteURL(ue.URL)+", which resolves to "+blocked.Addr.String()+", "+blocked.Kind+"; this server does not fetch from private networks")
			}
			return "", privateURL(rawURL, blocked)
		}
		return "", bera.Errorf(bera.EInvalid, "Couldn't download %s: %s", quoteURL(rawURL), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", bera.Errorf(bera.EInvalid, "The tarball at %s needs credentials: only public URLs can be deployed.", quoteURL(rawURL))
	case resp.StatusCode != http.StatusOK:
		return "", bera.Errorf(bera.EInvalid, "Couldn't download %s: the server answered %s.", quoteURL(rawURL), resp.Status)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, f.maxBytes()+1))
	if err != nil {
		return "", fmt.Errorf("download %s: %w", quoteURL(rawURL), err)
	}
	if n > f.maxBytes() {
		return "", bera.Errorf(bera.EInvalid, "The tarball at %s is larger than this server's limit of %d MB.", quoteURL(rawURL), f.maxBytes()>>20)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// extract unpacks r into dir, moving a lone top-level directory's contents up.
func (f *Fetcher) extract(ctx context.Context, r io.Reader, rawURL, dir string) error {
	tmp := dir + ".extract"
	err := slug.Extract(ctx, r, tmp, slug.Limits{MaxBytes: f.maxBytes()})
	switch {
	case errors.Is(err, slug.ErrTooLarge):
		return bera.Errorf(bera.EInvalid, "The tarball at %s unpacks to more than this server's limit of %d MB.", quoteURL(rawURL), f.maxBytes()>>20)
	case errors.Is(err, slug.ErrUnsafe):
		return bera.Errorf(bera.EInvalid, "The tarball at %s has unsafe entries (absolute paths, .., links out of the tree or device files).", quoteURL(rawURL))
	case err != nil:
		return bera.Errorf(bera.EInvalid, "The file at %s is not a readable tarball.", quoteURL(rawURL))
	}
	defer os.RemoveAll(tmp)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	root := tmp
	if len(entries) == 1 && entries[0].IsDir() {
		root = filepath.Join(tmp, entries[0].Name())
	}
	return os.Rename(root, dir)
}
