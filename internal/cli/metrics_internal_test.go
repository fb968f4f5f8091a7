package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/wire"
)

func TestMetricRow(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Traffic", `{"time":"2026-03-01T12:34:00Z","requests":120,"status":{"2xx":100,"3xx":5,"4xx":10,"5xx":5},"throughput_rps":2,
			"response_time_ms":{"p50":3.25,"p95":40,"p99":1500},"dynos":2,"restarts":1,"cpu_load":0.5,"memory_rss_bytes":{"mean":52428800},"memory_swap_max_bytes":0}`,
			"12:34 120 2.00 100 5 10 5 3.2ms 40.0ms 1.50s 2 0.50 50.0 MB 0 B 1"},
		{"Idle", `{"time":"2026-03-01T12:35:00Z","requests":0,"status":{},"response_time_ms":null}`,
			"12:35 0 0.00 0 0 0 0 - - - 0 0.00 0 B 0 B 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p wire.MetricPoint
			if err := json.Unmarshal([]byte(tt.in), &p); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(metricRow(p), " "); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
