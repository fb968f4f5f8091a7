package netguard

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"time"
)

// Proxy is an HTTP proxy on 127.0.0.1 for programs that dial for themselves, such as git
// (through curl): it tunnels CONNECT requests (https) and forwards absolute-URL requests
// (http), making every upstream connection with one dial function, usually a Dialer's
// DialContext. It asks for a random password, part of URL, so other local processes cannot
// borrow it.
//
// Lifecycle: StartProxy listens and serves; pass URL to the program (git -c http.proxy=URL);
// after it exits, Blocked says whether a connection was refused for its address; Close stops
// the proxy and every tunnel.
type Proxy struct {
	// URL is the proxy's address with its credentials: http://bera:PASSWORD@127.0.0.1:PORT.
	URL string

	dial  DialFunc
	auth  string // the expected Proxy-Authorization header
	ln    net.Listener
	srv   *http.Server
	fwd   *httputil.ReverseProxy
	tr    *http.Transport
	wg    sync.WaitGroup
	ctx   context.Context
	close context.CancelFunc

	mu      sync.Mutex // guards the following
	blocked *BlockedError
	tunnels map[net.Conn]struct{}
}

// StartProxy starts a proxy whose upstream connections are made by dial.
func StartProxy(dial DialFunc) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var pw [16]byte
	_, _ = rand.Read(pw[:])
	pass := hex.EncodeToString(pw[:])
	p := &Proxy{URL: "http://bera:" + pass + "@" + ln.Addr().String(), dial: dial, ln: ln,
		auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("bera:"+pass)), tunnels: map[net.Conn]struct{}{}}
	p.ctx, p.close = context.WithCancel(context.Background())
	p.tr = &http.Transport{DialContext: p.dialUpstream, Proxy: nil, MaxIdleConns: 4,
		IdleConnTimeout: 30 * time.Second, TLSHandshakeTimeout: 30 * time.Second}
	p.fwd = &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.Out.URL = r.In.URL; r.Out.Host = r.In.Host },
		Transport: p.tr,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			p.fail(w, err)
		},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	p.wg.Go(func() { _ = p.srv.Serve(ln) })
	return p, nil
}

// Blocked returns the first upstream connection refused by the dial function for its
// address, or nil.
func (p *Proxy) Blocked() *BlockedError {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.blocked
}

// Close stops the proxy, ends its tunnels and waits for them.
func (p *Proxy) Close() error {
	p.close()
	err := p.srv.Close()
	p.mu.Lock()
	for c := range p.tunnels {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	p.tr.CloseIdleConnections()
	return err
}

// dialUpstream dials through p.dial and remembers a refusal.
func (p *Proxy) dialUpstream(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := p.dial(ctx, network, address)
	var be *BlockedError
	if errors.As(err, &be) {
		p.mu.Lock()
		if p.blocked == nil {
			p.blocked = be
		}
		p.mu.Unlock()
	}
	return c, err
}

// fail answers a request whose upstream connection failed.
func (p *Proxy) fail(w http.ResponseWriter, err error) {
	var be *BlockedError
	if errors.As(err, &be) {
		http.Error(w, "refused: "+be.Error(), http.StatusForbidden)
		return
	}
	http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("Proxy-Authorization")
	if subtle.ConstantTimeCompare([]byte(got), []byte(p.auth)) != 1 {
		w.Header().Set("Proxy-Authenticate", `Basic realm="bera"`)
		http.Error(w, "proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	switch {
	case r.Method == http.MethodConnect:
		p.tunnel(w, r)
	case r.URL.IsAbs() && strings.EqualFold(r.URL.Scheme, "http"):
		r.Header.Del("Proxy-Authorization")
		p.fwd.ServeHTTP(w, r)
	default:
		http.Error(w, "this proxy takes CONNECT and http:// requests only", http.StatusBadRequest)
	}
}

// tunnel connects to r.Host and copies bytes both ways until either side closes.
func (p *Proxy) tunnel(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	up, err := p.dialUpstream(ctx, "tcp", r.Host)
	cancel()
	if err != nil {
		p.fail(w, err)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		up.Close()
		http.Error(w, "cannot tunnel", http.StatusInternalServerError)
		return
	}
	down, brw, err := hj.Hijack()
	if err != nil {
		up.Close()
		return
	}
	if !p.track(down, up) {
		return
	}
	defer p.untrack(down, up)
	if _, err := io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = io.Copy(up, brw.Reader) // bytes the client sent early are in brw first
		closeWrite(up)
	})
	_, _ = io.Copy(down, up)
	closeWrite(down)
	wg.Wait()
}

// track registers a tunnel's connections so Close ends them; false (and both closed) when
// the proxy is closing.
func (p *Proxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ctx.Err() != nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.tunnels[c] = struct{}{}
	}
	p.wg.Add(1)
	return true
}

func (p *Proxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	for _, c := range conns {
		c.Close()
		delete(p.tunnels, c)
	}
	p.mu.Unlock()
	p.wg.Done()
}

func closeWrite(c net.Conn) {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
