package spacedns_test

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
	"github.com/miekg/dns"
)

func TestLocalNames(t *testing.T) {
	s := start(t, closedPort(t))
	s.Set(space)
	tests := []struct {
		name  string
		qtype uint16
		rcode int
		want  []string
	}{
		{"web.myapp.app.localspace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.11", "10.1.0.12", "10.1.0.13"}},
		{"worker.myapp.app.localspace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.21"}},
		{"2.web.myapp.app.localspace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.12"}},
		{"1.web.other.app.localspace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.31"}},
		// Names are case-insensitive.
		{"WEB.MyApp.App.LocalSpace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.11", "10.1.0.12", "10.1.0.13"}},
		{"1.Worker.MYAPP.app.localspace.", dns.TypeA, dns.RcodeSuccess, []string{"10.1.0.21"}},
		// Dynos have no IPv6 address: the name exists, with no AAAA.
		{"web.myapp.app.localspace.", dns.TypeAAAA, dns.RcodeSuccess, nil},
		{"1.web.myapp.app.localspace.", dns.TypeAAAA, dns.RcodeSuccess, nil},
		{"web.myapp.app.localspace.", dns.TypeTXT, dns.RcodeSuccess, nil},
		// Names with children exist too.
		{"myapp.app.localspace.", dns.TypeA, dns.RcodeSuccess, nil},
		{"app.localspace.", dns.TypeA, dns.RcodeSuccess, nil},
		{"4.web.myapp.app.localspace.", dns.TypeA, dns.RcodeNameError, nil},
		{"4.web.myapp.app.localspace.", dns.TypeAAAA, dns.RcodeNameError, nil},
		{"clock.myapp.app.localspace.", dns.TypeA, dns.RcodeNameError, nil},
		{"web.nosuchapp.app.localspace.", dns.TypeA, dns.RcodeNameError, nil},
		{"x.1.web.myapp.app.localspace.", dns.TypeA, dns.RcodeNameError, nil},
		// The rest of localspace is not forwarded either.
		{"web.myapp.localspace.", dns.TypeA, dns.RcodeNameError, nil},
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(network+"/"+dns.TypeToString[tt.qtype]+"/"+tt.name, func(t *testing.T) {
				r := query(t, s, network, tt.name, tt.qtype)
				if r.Rcode != tt.rcode {
					t.Errorf("rcode=%s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
				}
				if !r.Authoritative {
					t.Errorf("answer not authoritative")
				}
				if got := addrs(r); !slices.Equal(got, tt.want) {
					t.Errorf("addresses=%v, want %v", got, tt.want)
				}
				for _, rr := range r.Answer {
					if got := rr.Header().Name; got != tt.name {
						t.Errorf("owner name=%q, want the question's %q", got, tt.name)
					}
					if got := rr.Header().Ttl; got != spacedns.TTL {
						t.Errorf("TTL=%d, want %d", got, spacedns.TTL)
					}
				}
				if len(r.Answer) == 0 && (len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA) {
					t.Errorf("negative answer without the zone's SOA: %v", r.Ns)
				}
			})
		}
	}
}

// TestRotation checks that successive answers for a process start with different dynos, so
// that clients that take the first address spread over them.
func TestRotation(t *testing.T) {
	s := start(t, closedPort(t))
	s.Set(space)
	first := map[string]bool{}
	for range 3 {
		r := query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)
		first[r.Answer[0].(*dns.A).A.String()] = true
	}
	if len(first) != 3 {
		t.Errorf("first addresses of 3 answers: %v, want 3 different", first)
	}
}

func TestSetReplaces(t *testing.T) {
	s := start(t, closedPort(t))
	if r := query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Fatalf("before Set: rcode=%s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	s.Set(space)
	if got := addrs(query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)); len(got) != 3 {
		t.Fatalf("after Set: %v, want 3 addresses", got)
	}
	// Scale web to 1 and move the worker: the next query sees it.
	s.Set([]spacedns.Record{rec("myapp", "web", 1, "10.1.0.11"), rec("myapp", "worker", 1, "10.1.0.99")})
	if got, want := addrs(query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)), []string{"10.1.0.11"}; !slices.Equal(got, want) {
		t.Errorf("after scale down: %v, want %v", got, want)
	}
	if got, want := addrs(query(t, s, "tcp", "1.worker.myapp.app.localspace.", dns.TypeA)), []string{"10.1.0.99"}; !slices.Equal(got, want) {
		t.Errorf("after restart: %v, want %v", got, want)
	}
	if r := query(t, s, "udp", "2.web.myapp.app.localspace.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("stopped dyno: rcode=%s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
	s.Set(nil)
	if r := query(t, s, "udp", "1.web.myapp.app.localspace.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("empty table: rcode=%s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
	}
}

func TestSetSkipsInvalidRecords(t *testing.T) {
	s := start(t, closedPort(t))
	s.Set([]spacedns.Record{
		rec("my.app", "web", 1, "10.1.0.1"),
		rec("myapp", "web", 0, "10.1.0.2"),
		rec("myapp", "", 1, "10.1.0.3"),
		{App: "myapp", Process: "web", Dyno: 2},
		rec("myapp", "web", 3, "10.1.0.4"),
		rec("myapp", "web", 4, "::ffff:10.1.0.5"),
	})
	if got, want := addrs(query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)), []string{"10.1.0.4", "10.1.0.5"}; !slices.Equal(got, want) {
		t.Errorf("addresses=%v, want %v", got, want)
	}
	if r := query(t, s, "udp", "web.my.app.app.localspace.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("a dotted app name published: rcode=%s", dns.RcodeToString[r.Rcode])
	}
}

func TestRefused(t *testing.T) {
	s := start(t, startUpstream(t, upstreamZone))
	s.Set(space)
	tests := []struct {
		name    string
		network string
		msg     func() *dns.Msg
		rcode   int
	}{
		{"ANY local", "udp", func() *dns.Msg { return new(dns.Msg).SetQuestion("web.myapp.app.localspace.", dns.TypeANY) }, dns.RcodeNotImplemented},
		{"ANY outside", "udp", func() *dns.Msg { return new(dns.Msg).SetQuestion("example.test.", dns.TypeANY) }, dns.RcodeNotImplemented},
		{"AXFR", "tcp", func() *dns.Msg { return new(dns.Msg).SetAxfr("app.localspace.") }, dns.RcodeRefused},
		{"CHAOS", "udp", func() *dns.Msg {
			m := new(dns.Msg).SetQuestion("version.bind.", dns.TypeTXT)
			m.Question[0].Qclass = dns.ClassCHAOS
			return m
		}, dns.RcodeRefused},
		{"UPDATE", "udp", func() *dns.Msg { return new(dns.Msg).SetUpdate("app.localspace.") }, dns.RcodeNotImplemented},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := exchange(t, s, tt.network, tt.msg())
			if r.Rcode != tt.rcode {
				t.Errorf("rcode=%s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if len(r.Answer)+len(r.Ns) != 0 {
				t.Errorf("refusal carries records: %v %v", r.Answer, r.Ns)
			}
		})
	}
}

// TestMalformedPackets sends garbage to the UDP and TCP sockets; the resolver must keep
// answering.
func TestMalformedPackets(t *testing.T) {
	s := start(t, closedPort(t))
	s.Set(space)
	addr := s.Addrs()[0].String()
	valid, _ := new(dns.Msg).SetQuestion("web.myapp.app.localspace.", dns.TypeA).Pack()
	garbage := [][]byte{
		{}, {0}, {0xff, 0xff}, valid[:5], valid[:13], append(valid[:12:12], 0xc0, 0x0c, 0, 1, 0, 1),
		// A response (QR set) and a header claiming 65535 questions.
		append([]byte{0, 1, 0x80, 0}, valid[4:]...), append([]byte{0, 1, 1, 0, 0xff, 0xff}, valid[6:]...),
	}
	for _, network := range []string{"udp", "tcp"} {
		for _, g := range garbage {
			c, err := net.Dial(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			if network == "tcp" {
				g = append([]byte{byte(len(g) >> 8), byte(len(g))}, g...)
			}
			if _, err := c.Write(g); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
	}
	if got := addrs(query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)); len(got) != 3 {
		t.Errorf("after garbage: %v, want 3 addresses", got)
	}
}

// TestConcurrentSet queries while the table is being replaced: every answer must be one of
// the tables set, never a mix (run with -race).
func TestConcurrentSet(t *testing.T) {
	s := start(t, closedPort(t))
	tables := make([][]spacedns.Record, 4)
	valid := map[string]bool{}
	for i := range tables {
		for d := 1; d <= i+1; d++ {
			tables[i] = append(tables[i], rec("myapp", "web", d, fmt.Sprintf("10.1.%d.%d", i, d)))
		}
		var want []string
		for _, r := range tables[i] {
			want = append(want, r.Addr.String())
		}
		valid[fmt.Sprint(want)] = true
	}
	s.Set(tables[0])
	var setter, queriers sync.WaitGroup
	stop := make(chan struct{})
	setter.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				s.Set(tables[i%len(tables)])
			}
		}
	})
	for range 4 {
		queriers.Go(func() {
			for range 100 {
				r := query(t, s, "udp", "web.myapp.app.localspace.", dns.TypeA)
				if got := fmt.Sprint(addrs(r)); !valid[got] {
					t.Errorf("answer %s matches no table", got)
				}
			}
		})
	}
	queriers.Wait()
	close(stop)
	setter.Wait()
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  spacedns.Config
	}{
		{"no listen address", spacedns.Config{Forward: []string{"127.0.0.1:53"}}},
		{"bad upstream", spacedns.Config{Listen: []string{"127.0.0.1:0"}, Forward: []string{"resolver.example:53"}}},
		{"upstream is itself", spacedns.Config{Listen: []string{"127.0.0.1:5353"}, Forward: []string{"127.0.0.1:5353"}}},
		{"bad listen address", spacedns.Config{Listen: []string{"256.0.0.1:0"}, Forward: []string{"127.0.0.1:53"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := spacedns.New(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}
