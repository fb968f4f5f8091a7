package spacedns_test

import (
	"fmt"
	"testing"

	"github.com/kingvon-ke/bera/internal/spaces/spacedns"
	"github.com/miekg/dns"
)

// BenchmarkQuery measures one query's round trip over UDP on 127.0.0.1 with miekg's client,
// for a local name (3 dynos) and for a name forwarded to a local upstream (one more round
// trip); bench/README.md has the figures.
func BenchmarkQuery(b *testing.B) {
	s := start(b, startUpstream(b, upstreamZone))
	s.Set(space)
	for _, name := range []string{"web.myapp.app.localspace.", "example.test."} {
		b.Run(name, func(b *testing.B) {
			c := &dns.Client{Net: "udp"}
			conn, err := c.Dial(s.Addrs()[0].String())
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			m := new(dns.Msg).SetQuestion(name, dns.TypeA)
			b.ResetTimer()
			for b.Loop() {
				r, _, err := c.ExchangeWithConn(m, conn)
				if err != nil || len(r.Answer) == 0 {
					b.Fatalf("%v %v", err, r)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/query")
		})
	}
}

// BenchmarkSet measures replacing the table of a space of 100 dynos (10 apps of 10), the
// cost paid on every dyno state change.
func BenchmarkSet(b *testing.B) {
	s := start(b, closedPort(b))
	var records []spacedns.Record
	for a := range 10 {
		for d := 1; d <= 10; d++ {
			records = append(records, rec(fmt.Sprintf("app%d", a), "web", d, fmt.Sprintf("10.1.%d.%d", a, d)))
		}
	}
	for b.Loop() {
		s.Set(records)
	}
}
