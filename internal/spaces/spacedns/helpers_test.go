package spacedns_test

import (
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
	"github.com/miekg/dns"
)

// start runs a resolver on 127.0.0.1:0 forwarding to upstream, closed with the test.
func start(t testing.TB, upstream string, tweak ...func(*spacedns.Config)) *spacedns.Server {
	t.Helper()
	cfg := spacedns.Config{Listen: []string{"127.0.0.1:0"}, Forward: []string{upstream}}
	for _, f := range tweak {
		f(&cfg)
	}
	s, err := spacedns.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// startUpstream runs a miekg/dns server on 127.0.0.1:0 over UDP and TCP (same port) as
// the space's upstream resolver, and returns its address. Over UDP it truncates its
// answers to what the query allows, as a real resolver does.
func startUpstream(t testing.TB, h dns.HandlerFunc) string {
	t.Helper()
	// The UDP socket picks the port; another test's TCP socket may hold that one: try again.
	var pc net.PacketConn
	var l net.Listener
	var err error
	for range 10 {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// upstreamZone answers example.test. A 192.0.2.1, big.test. with 30 TXT records (3 KB) and
// NXDOMAIN for anything else.
func upstreamZone(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg).SetReply(r)
	m.RecursionAvailable = true
	switch q := r.Question[0]; {
	case q.Name == "example.test." && q.Qtype == dns.TypeA:
		m.Answer = []dns.RR{mustRR("example.test. 300 IN A 192.0.2.1")}
	case q.Name == "big.test." && q.Qtype == dns.TypeTXT:
		for i := range 30 {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
				Txt: []string{string(rune('a'+i%26)) + string(make([]byte, 90))},
			})
		}
	default:
		m.Rcode = dns.RcodeNameError
	}
	if _, udp := w.LocalAddr().(*net.UDPAddr); udp {
		size := dns.MinMsgSize
		if opt := r.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	w.WriteMsg(m)
}

func mustRR(s string) dns.RR {
	rr, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return rr
}

// closedPort returns a 127.0.0.1 UDP address nothing listens on.
func closedPort(t testing.TB) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// query asks s for name over network ("udp" or "tcp").
func query(t testing.TB, s *spacedns.Server, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg).SetQuestion(name, qtype)
	return exchange(t, s, network, m)
}

func exchange(t testing.TB, s *spacedns.Server, network string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network}
	r, _, err := c.Exchange(m, s.Addrs()[0].String())
	if err != nil {
		t.Fatalf("%s query %s: %v", network, m.Question[0].Name, err)
	}
	return r
}

// addrs returns the sorted A and AAAA addresses of an answer.
func addrs(r *dns.Msg) []string {
	var out []string
	for _, rr := range r.Answer {
		switch rr := rr.(type) {
		case *dns.A:
			out = append(out, rr.A.String())
		case *dns.AAAA:
			out = append(out, rr.AAAA.String())
		}
	}
	slices.Sort(out)
	return out
}

func rec(app, process string, dyno int, addr string) spacedns.Record {
	return spacedns.Record{App: app, Process: process, Dyno: dyno, Addr: netip.MustParseAddr(addr)}
}

// space is a table of two apps: myapp with web.1-3 and worker.1, other with web.1.
var space = []spacedns.Record{
	rec("myapp", "web", 1, "10.1.0.11"),
	rec("myapp", "web", 2, "10.1.0.12"),
	rec("myapp", "web", 3, "10.1.0.13"),
	rec("myapp", "worker", 1, "10.1.0.21"),
	rec("other", "web", 1, "10.1.0.31"),
}
