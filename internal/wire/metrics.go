package wire

// Metrics is an app's 1-minute metrics between Since and Until (GET /apps/{app}/metrics,
// a Bera extension), one point a minute, oldest first.
type Metrics struct {
	App         IDName        `json:"app"`
	Since       string        `json:"since"`
	Until       string        `json:"until"`
	StepSeconds int           `json:"step_seconds"`
	Points      []MetricPoint `json:"points"`
}

// MetricPoint is one minute of an app: router traffic (requests, by status class "1xx" …
// "5xx", and response times, null without requests), Heroku error codes by code (H12,
// R14, ...), and its dynos' resources (CPU cores used by all dynos together, memory and
// swap in bytes).
type MetricPoint struct {
	Time           string         `json:"time"`
	Requests       int            `json:"requests"`
	Status         map[string]int `json:"status"`
	ThroughputRPS  float64        `json:"throughput_rps"`
	ResponseTimeMS *Percentiles   `json:"response_time_ms"`
	BytesOut       uint64         `json:"bytes_out"`
	Dynos          int            `json:"dynos"`
	Restarts       int            `json:"restarts"`
	Errors         map[string]int `json:"errors"`
	CPULoad        float64        `json:"cpu_load"`
	MemoryRSS      MeanMax        `json:"memory_rss_bytes"`
	MemorySwapMax  uint64         `json:"memory_swap_max_bytes"`
}

// Percentiles are response times in milliseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// MeanMax is the mean and the maximum of a measurement over a minute.
type MeanMax struct {
	Mean uint64 `json:"mean"`
	Max  uint64 `json:"max"`
}
