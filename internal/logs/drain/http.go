package drain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kingvon-ke/bera/internal/netguard"
)

// userAgent is what Logplex sends to HTTPS drains.
const userAgent = "Logplex/v72 (bera)"

// httpTransport posts application/logplex-1 batches.
type httpTransport struct {
	url    string
	token  string
	client *http.Client
}

func newHTTP(u *url.URL, cfg Config) (*httpTransport, error) {
	if u.Host == "" {
		return nil, fmt.Errorf("http drain url %q needs a host", u.Redacted())
	}
	client := cfg.HTTPClient
	if client == nil {
		// No proxy from the environment: its address, not the drain's, would be checked.
		d := &netguard.Dialer{Timeout: dialTimeout, AllowPrivate: cfg.AllowPrivate}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy, tr.DialContext, tr.TLSClientConfig = nil, d.DialContext, cfg.TLSConfig
		client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	return &httpTransport{url: u.String(), token: cfg.Token, client: client}, nil
}

func (t *httpTransport) send(ctx context.Context, batch []byte, count int, frameID string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(batch))
	if err != nil {
		return fmt.Errorf("build drain request: %w", err)
	}
	req.Header.Set("Content-Type", "application/logplex-1")
	req.Header.Set("Logplex-Msg-Count", strconv.Itoa(count))
	req.Header.Set("Logplex-Frame-Id", frameID)
	req.Header.Set("Logplex-Drain-Token", t.token)
	req.Header.Set("User-Agent", userAgent)
	resp, err := t.client.Do(req)
	if err != nil {
		return fmt.Errorf("post to http drain: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post to http drain: status %s", resp.Status)
	}
	return nil
}

func (t *httpTransport) close() error {
	t.client.CloseIdleConnections()
	return nil
}
