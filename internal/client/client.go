// Package client is a small typed client of Bera's Heroku-compatible Platform API v3: one
// method per endpoint, sending and returning the shapes of package wire. The bera CLI and
// the end-to-end tests use it; besides the standard library and wire it uses only a
// WebSocket package (for one-off dynos and events).
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Accept is the media type every request asks for.
const Accept = "application/vnd.heroku+json; version=3"

// DefaultURL is the API of a `bera server` started with default flags.
const DefaultURL = "http://127.0.0.1:3000"

// Config says where the API is and how to authenticate.
type Config struct {
	// URL is the API base, such as http://127.0.0.1:3000 or https://bera.example.com/api/v1.
	URL string
	// APIKey is sent as "Authorization: Bearer KEY"; empty sends no credentials.
	APIKey string
	// CACertFile is a PEM file of extra CAs to trust for https URLs. Empty means the file
	// named by the BERA_CA_CERT environment variable, if set.
	CACertFile string
	// UserAgent defaults to "bera-client".
	UserAgent string
	// HTTPClient overrides the HTTP client (CACertFile is then ignored).
	HTTPClient *http.Client
}

// Client talks to one Bera API with one credential. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	ua   string
	hc   *http.Client
}

// New returns a client for cfg. It fails on a malformed URL or an unreadable CA file.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	base, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, key: cfg.APIKey, ua: cfg.UserAgent, hc: cfg.HTTPClient}
	if c.ua == "" {
		c.ua = "bera-client"
	}
	if c.hc == nil {
		c.hc, err = newHTTPClient(cfg.CACertFile)
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ParseURL checks an API base URL: http or https, a host, no query. The trailing slash is
// dropped.
func ParseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("invalid API URL %q: want http(s)://HOST[:PORT][/PATH]", raw)
	}
	return u, nil
}

// newHTTPClient returns an HTTP client that also trusts the CAs in caFile (or
// $BERA_CA_CERT) for https.
func newHTTPClient(caFile string) (*http.Client, error) {
	if caFile == "" {
		caFile = os.Getenv("BERA_CA_CERT")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read CA certificate: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read CA certificate %s: no PEM certificates found", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}, nil
}

// URL returns the API base URL.
func (c *Client) URL() *url.URL {
	u := *c.base
	return &u
}

// Host returns the API's host:port as written in the URL (the netrc machine name).
func (c *Client) Host() string { return c.base.Host }

// request is one API call.
type request struct {
	method, path string
	body         any    // JSON-encoded when non-nil
	rangeHdr     string // Range header, optional
	basicUser    string // when set, Basic basicUser:basicPass replaces the Bearer key
	basicPass    string
}

// call sends method path with body encoded as JSON (nil for none) and decodes a 2xx JSON
// response into out (nil to discard). API errors are returned as *Error.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
	_, _, err := c.do(ctx, request{method: method, path: path, body: body}, out)
	return err
}

// do performs r, decodes a 2xx body into out, and returns the status and headers.
func (c *Client) do(ctx context.Context, r request, out any) (int, http.Header, error) {
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, fmt.Errorf("reach %s: %w", c.base.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: read response: %w", r.method, r.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, nil, DecodeError(resp.StatusCode, resp.Header.Get("Request-Id"), data, r.method+" "+r.path)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return 0, nil, fmt.Errorf("%s %s: decode response: %w", r.method, r.path, err)
		}
	}
	return resp.StatusCode, resp.Header, nil
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base.String()+r.path, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", Accept)
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Request-Id", newRequestID())
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.rangeHdr != "" {
		req.Header.Set("Range", r.rangeHdr)
	}
	switch {
	case r.basicUser != "" || r.basicPass != "":
		req.SetBasicAuth(r.basicUser, r.basicPass)
	case c.key != "":
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	return req, nil
}

// newRequestID returns a random UUID-formatted id.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// maxPages bounds pagination so a server that always sends Next-Range cannot loop forever.
const maxPages = 1000

// page GETs path with the Range header rng and decodes one page into out (a pointer to a
// slice). It returns the Next-Range header when the status is 206, "" otherwise.
func (c *Client) page(ctx context.Context, path, rng string, out any) (next string, err error) {
	status, h, err := c.do(ctx, request{method: http.MethodGet, path: path, rangeHdr: rng}, out)
	if err != nil {
		return "", err
	}
	if status != http.StatusPartialContent {
		return "", nil
	}
	return h.Get("Next-Range"), nil
}

// listAll GETs every page of path, starting with the Range header rng (may be empty) and
// following Next-Range while the status is 206.
func listAll[T any](ctx context.Context, c *Client, path, rng string) ([]T, error) {
	var all []T
	for range maxPages {
		var page []T
		next, err := c.page(ctx, path, rng, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		rng = next
	}
	return nil, errors.New("GET " + path + ": too many pages")
}
