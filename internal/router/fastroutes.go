package router

import (
	"net/http"
	"time"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

// fastRoutes is the Router as its Frontend's fast path sees it. Routes are *entry values,
// backends *fastBackend ones.
type fastRoutes struct{ f *Frontend }

var (
	_ fastpath.Routes  = fastRoutes{}
	_ fastpath.Backend = (*fastBackend)(nil)
)

// Lookup implements fastpath.Routes: the fast path takes known apps with up dynos that are
// neither in maintenance nor diverted.
func (fr fastRoutes) Lookup(host []byte) fastpath.Route {
	if fr.f.Divert != nil && fr.f.Divert(host) {
		return nil
	}
	e := fr.f.r.table.Load().lookupBytes(host)
	if e == nil || e.route.Maintenance || len(e.ups) == 0 {
		return nil
	}
	return e
}

// Pick implements fastpath.Routes.
func (fr fastRoutes) Pick(rt fastpath.Route, tried []fastpath.Backend) fastpath.Backend {
	e := rt.(*entry)
	ups := e.ups
	for {
		if len(tried) > 0 {
			ups = withoutFast(ups, tried)
		}
		if len(ups) == 0 {
			return nil
		}
		u := ups[fr.f.r.cfg.Selector.Select(ups)]
		if u.acquire() {
			return &u.fast
		}
		// Retired since the snapshot was loaded: never send it new work.
		tried = append(tried, &u.fast)
	}
}

// withoutFast returns ups minus the ones in drop.
func withoutFast(ups []*Upstream, drop []fastpath.Backend) []*Upstream {
	out := make([]*Upstream, 0, len(ups))
	for _, u := range ups {
		keep := true
		for _, d := range drop {
			keep = keep && d != fastpath.Backend(&u.fast)
		}
		if keep {
			out = append(out, u)
		}
	}
	return out
}

// Unreachable implements fastpath.Routes.
func (fastRoutes) Unreachable(rt fastpath.Route, err error) string {
	if err == nil {
		err = errNoBackend
	}
	return string(connectCode(err, rt.(*entry).route.Crashed))
}

// Page implements fastpath.Routes.
func (fastRoutes) Page(code string) (int, []byte) {
	c := Code(code)
	return c.Status(), codes[c].page
}

// Report implements fastpath.Routes: the request's router log line and metrics.
func (fr fastRoutes) Report(rt fastpath.Route, x *fastpath.Exchange) {
	sink, met := fr.f.r.cfg.Sink, fr.f.r.cfg.Metrics
	if sink == nil && met == nil {
		return
	}
	e := fastEntry(rt.(*entry), x)
	if sink != nil {
		sink.RouterLine(e.AppID, e.Line())
	}
	if met != nil {
		met.Observe(&e)
	}
}

// fastEntry builds the log entry of a request the fast path served.
func fastEntry(rt *entry, x *fastpath.Exchange) Entry {
	end := time.Now()
	e := Entry{
		AppID:     rt.route.AppID,
		Code:      Code(x.Code),
		Method:    methodString(x.Method),
		Path:      string(x.Target),
		Host:      string(x.Host),
		RequestID: string(x.RequestID),
		Fwd:       x.ClientIP,
		Dyno:      x.Dyno,
		Status:    x.Status,
		Bytes:     x.Bytes,
		Protocol:  "http",
	}
	switch {
	case e.Code == H27:
		e.Status = 499
	case e.Code != "":
		e.Status = e.Code.Status()
	}
	if x.Dyno != "" {
		e.Connect = x.Connect
		e.Service = max(end.Sub(x.RTStart)-x.Connect, 0)
	}
	return e
}

// methodString returns m as a string, without allocating for the common methods.
func methodString(m []byte) string {
	for _, s := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		if string(m) == s {
			return s
		}
	}
	return string(m)
}

// fastBackend is an Upstream as the fast path sees it, with the fast path's keep-alive
// connections to it.
type fastBackend struct {
	u     *Upstream
	conns fastpath.Pool
}

// Target implements fastpath.Backend.
func (b *fastBackend) Target() (dyno, addr string) { return b.u.Dyno, b.u.Addr }

// Conns implements fastpath.Backend.
func (b *fastBackend) Conns() *fastpath.Pool { return &b.conns }

// Release implements fastpath.Backend.
func (b *fastBackend) Release() { b.u.release() }
