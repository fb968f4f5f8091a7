package spacedns_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
	"github.com/miekg/dns"
)

func TestForward(t *testing.T) {
	s := start(t, startUpstream(t, upstreamZone))
	s.Set(space)
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			r := query(t, s, network, "example.test.", dns.TypeA)
			if got, want := addrs(r), []string{"192.0.2.1"}; r.Rcode != dns.RcodeSuccess || !slices.Equal(got, want) {
				t.Errorf("example.test.: %s %v, want NOERROR %v", dns.RcodeToString[r.Rcode], got, want)
			}
			if r.Authoritative || !r.RecursionAvailable {
				t.Errorf("forwarded answer: aa=%v ra=%v, want aa=false ra=true", r.Authoritative, r.RecursionAvailable)
			}
			if r := query(t, s, network, "nx.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
				t.Errorf("nx.test.: rcode=%s, want the upstream's NXDOMAIN", dns.RcodeToString[r.Rcode])
			}
		})
	}
	// 3 KB of TXT: the upstream truncates its UDP answer, the resolver retries over TCP and
	// returns all of it to a TCP client...
	if r := query(t, s, "tcp", "big.test.", dns.TypeTXT); len(r.Answer) != 30 {
		t.Errorf("big.test. over TCP: %d records, want 30", len(r.Answer))
	}
	// ... and truncates it for a UDP client, which then retries over TCP (miekg's client
	// does not: the TC bit is what it must see).
	r := query(t, s, "udp", "big.test.", dns.TypeTXT)
	if !r.Truncated || len(r.Answer) >= 30 {
		t.Errorf("big.test. over UDP: tc=%v with %d records, want tc and fewer than 30", r.Truncated, len(r.Answer))
	}
	if size := r.Len(); size > dns.MinMsgSize {
		t.Errorf("UDP answer without EDNS is %d bytes, want at most %d", size, dns.MinMsgSize)
	}
}

func TestForwardUpstreamDown(t *testing.T) {
	s := start(t, closedPort(t))
	for _, network := range []string{"udp", "tcp"} {
		if r := query(t, s, network, "example.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
			t.Errorf("%s: rcode=%s, want SERVFAIL", network, dns.RcodeToString[r.Rcode])
		}
	}
}

func TestForwardSecondUpstream(t *testing.T) {
	s := start(t, closedPort(t), func(c *spacedns.Config) {
		c.Forward = append(c.Forward, startUpstream(t, upstreamZone))
	})
	if got := addrs(query(t, s, "udp", "example.test.", dns.TypeA)); !slices.Equal(got, []string{"192.0.2.1"}) {
		t.Errorf("with the first upstream down: %v, want the second's answer", got)
	}
}

// TestMaxForwards holds two forwarded queries at the upstream: a third gets SERVFAIL at
// once, local names are still answered, and the held ones complete once released.
func TestMaxForwards(t *testing.T) {
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	upstream := startUpstream(t, func(w dns.ResponseWriter, r *dns.Msg) {
		arrived <- struct{}{}
		<-release
		upstreamZone(w, r)
	})
	s := start(t, upstream, func(c *spacedns.Config) { c.MaxForwards = 2 })
	s.Set(space)
	var held sync.WaitGroup
	for range 2 {
		held.Go(func() {
			if r := query(t, s, "tcp", "example.test.", dns.TypeA); len(r.Answer) != 1 {
				t.Errorf("held query: %s %v", dns.RcodeToString[r.Rcode], r.Answer)
			}
		})
	}
	<-arrived
	<-arrived
	if r := query(t, s, "udp", "example.test.", dns.TypeA); r.Rcode != dns.RcodeServerFailure {
		t.Errorf("third forward: rcode=%s, want SERVFAIL", dns.RcodeToString[r.Rcode])
	}
	if got := addrs(query(t, s, "udp", "1.web.myapp.app.localspace.", dns.TypeA)); len(got) != 1 {
		t.Errorf("local name while forwards are full: %v", got)
	}
	close(release)
	held.Wait()
}
