package cli

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

func metricsCommands() []*command {
	return []*command{{
		Name: "metrics", Topic: "metrics", App: true,
		Summary: "show an app's traffic and dyno resources, one line a minute",
		Description: "Shows the app's last minutes (15 by default, up to 1440: the server keeps 24 hours): " +
			"requests and throughput, requests by status class, response time p50/p95/p99, running dynos, " +
			"CPU (cores used by all dynos), memory (mean RSS of all dynos), most swap, and crash restarts. " +
			"The last line is the current, partial minute.",
		Example: "bera metrics -m 60 -a my-app",
		Flags:   []Flag{{Name: "minutes", Short: "m", Arg: "N", Usage: "how many minutes to show (default 15, at most 1440)"}, jsonFlag},
		Run:     runMetrics,
	}}
}

func runMetrics(s *session) error {
	n, err := s.opts.Int("minutes", 15)
	if err != nil || n < 1 || n > 1440 {
		return usagef("-m wants a number of minutes from 1 to 1440")
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	until := s.now().UTC().Truncate(time.Minute).Add(time.Minute)
	reply, err := c.Metrics(s.ctx, app, until.Add(-time.Duration(n)*time.Minute), until)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, reply)
	}
	header(s.stdout, fmt.Sprintf("%s Metrics - last %d minutes (UTC)", reply.App.Name, n))
	fmt.Fprintln(s.stdout)
	rows := [][]string{{"TIME", "REQ", "RPS", "2XX", "3XX", "4XX", "5XX", "P50", "P95", "P99", "DYNOS", "CPU", "MEMORY", "SWAP", "RESTARTS"}}
	for _, p := range reply.Points {
		rows = append(rows, metricRow(p))
	}
	printTable(s.stdout, rows)
	return nil
}

func metricRow(p wire.MetricPoint) []string {
	hhmm := p.Time
	if t, err := time.Parse(time.RFC3339, p.Time); err == nil {
		hhmm = t.UTC().Format("15:04")
	}
	p50, p95, p99 := "-", "-", "-"
	if rt := p.ResponseTimeMS; rt != nil {
		p50, p95, p99 = msText(rt.P50), msText(rt.P95), msText(rt.P99)
	}
	rss, swap := int64(p.MemoryRSS.Mean), int64(p.MemorySwapMax)
	return []string{hhmm, strconv.Itoa(p.Requests), strconv.FormatFloat(p.ThroughputRPS, 'f', 2, 64),
		strconv.Itoa(p.Status["2xx"]), strconv.Itoa(p.Status["3xx"]), strconv.Itoa(p.Status["4xx"]), strconv.Itoa(p.Status["5xx"]),
		p50, p95, p99, strconv.Itoa(p.Dynos), strconv.FormatFloat(p.CPULoad, 'f', 2, 64), humanSize(&rss), humanSize(&swap),
		strconv.Itoa(p.Restarts)}
}

func msText(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(ms/1000, 'f', 2, 64) + "s"
	}
	return strconv.FormatFloat(ms, 'f', 1, 64) + "ms"
}
