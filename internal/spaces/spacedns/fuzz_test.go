package spacedns_test

import (
	"net"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/spaces/spacedns"

	"github.com/miekg/dns"
)

// writer is a dns.ResponseWriter that keeps what the handler writes.
type writer struct {
	local net.Addr
	msgs  []*dns.Msg
}

func (w *writer) LocalAddr() net.Addr         { return w.local }
func (w *writer) RemoteAddr() net.Addr        { return &net.UDPAddr{IP: net.IPv4(10, 1, 0, 11), Port: 40000} }
func (w *writer) WriteMsg(m *dns.Msg) error   { w.msgs = append(w.msgs, m); return nil }
func (w *writer) Write(b []byte) (int, error) { return len(b), nil }
func (w *writer) Close() error                { return nil }
func (w *writer) TsigStatus() error           { return nil }
func (w *writer) TsigTimersOnly(bool)         {}
func (w *writer) Hijack()                     {}

// FuzzServeDNS feeds arbitrary bytes, as the server would after unpacking them, through the
// resolver's handler, over UDP and TCP, with a real upstream for outside names. The handler
// must not panic, must write at most one reply, to the query's ID, that packs, and never a
// UDP reply larger than the client can take (no amplification).
func FuzzServeDNS(f *testing.F) {
	// The upstream drops what its own server rejects (odd types): time out fast.
	s := start(f, startUpstream(f, upstreamZone), func(c *spacedns.Config) { c.ForwardTimeout = 100 * time.Millisecond })
	s.Set(space)
	for _, q := range []*dns.Msg{
		new(dns.Msg).SetQuestion("web.myapp.app.localspace.", dns.TypeA),
		new(dns.Msg).SetQuestion("1.WEB.myapp.app.localspace.", dns.TypeAAAA),
		new(dns.Msg).SetQuestion("nosuch.app.localspace.", dns.TypeA),
		new(dns.Msg).SetQuestion("localspace.", dns.TypeSOA),
		new(dns.Msg).SetQuestion("example.test.", dns.TypeA),
		new(dns.Msg).SetQuestion("big.test.", dns.TypeTXT).SetEdns0(4096, true),
		new(dns.Msg).SetQuestion("web.myapp.app.localspace.", dns.TypeANY),
		new(dns.Msg).SetAxfr("app.localspace."),
		new(dns.Msg).SetUpdate("app.localspace."),
	} {
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Fuzz(func(t *testing.T, b []byte, tcp bool) {
		r := new(dns.Msg)
		if r.Unpack(b) != nil {
			return // the server answers what it cannot unpack itself, before the handler
		}
		w := &writer{local: &net.UDPAddr{IP: net.IPv4(10, 1, 0, 1), Port: 53}}
		limit := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			limit = max(limit, min(int(opt.UDPSize()), 1232))
		}
		if tcp {
			w.local, limit = &net.TCPAddr{IP: net.IPv4(10, 1, 0, 1), Port: 53}, dns.MaxMsgSize
		}
		s.ServeDNS(w, r)
		if len(w.msgs) > 1 {
			t.Fatalf("%d replies", len(w.msgs))
		}
		if r.Response && len(w.msgs) != 0 {
			t.Fatalf("replied to a response")
		}
		for _, m := range w.msgs {
			out, err := m.Pack()
			if err != nil {
				t.Fatalf("reply does not pack: %v\n%v", err, m)
			}
			if m.Id != r.Id || !m.Response {
				t.Fatalf("reply id=%d response=%v to query %d", m.Id, m.Response, r.Id)
			}
			if len(out) > limit {
				t.Fatalf("reply of %d bytes, limit %d", len(out), limit)
			}
		}
	})
}
