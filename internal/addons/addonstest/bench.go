package addonstest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
)

// Bench measures, per iteration, the time from Provision to the first write through
// client (ms/op), and the memory of each instance right after, idle: RSS and PSS in MB
// (MB-rss, MB-pss) when the provider runs local processes. Each instance is destroyed
// outside the timed part.
func Bench(b *testing.B, p addons.Provider, plan string, client Client) {
	ctx := b.Context()
	var rss, pss int64
	n := 0
	for b.Loop() {
		id := fmt.Sprintf("bench-%d", n)
		n++
		inst, err := p.Provision(ctx, addons.Request{ID: id, Plan: plan})
		if err != nil {
			b.Fatal(err)
		}
		c, err := client.Open(ctx, inst.URL)
		if err == nil {
			err = c.Set(ctx, "k", "v")
			c.Close()
		}
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if pider, ok := p.(PIDer); ok {
			// Let the instance settle into idleness (PostgreSQL's start-up checkpoint).
			time.Sleep(500 * time.Millisecond)
			if pid, ok := pider.PID(id); ok {
				r, s, err := Memory(pid)
				if err != nil {
					b.Fatal(err)
				}
				rss, pss = rss+r, pss+s
			}
		}
		if err := p.Deprovision(ctx, id); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	if rss > 0 {
		b.ReportMetric(float64(rss)/float64(n)/(1<<20), "MB-rss")
		b.ReportMetric(float64(pss)/float64(n)/(1<<20), "MB-pss")
	}
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/op")
}
