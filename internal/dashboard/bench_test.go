package dashboard_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/api"
)

// BenchmarkAppList renders the apps list of a user with 200 apps (its first page of 50; each row asks the API for
// its dynos); the API's request budget is off so the loop can run long. It reports the time
// to the first byte of the page (first render can start), the whole page's time and size,
// and the heap the server holds after rendering (B/op and allocs/op are per page).
func BenchmarkAppList(b *testing.B) {
	e := newEnvWith(b, func(c *api.Config) { c.RequestBudget = -1 })
	e.mustUser(b, "owner@example.com", "owner password")
	br := e.browser(b)
	br.login("owner@example.com", "owner password")
	for i := range 200 {
		if p := br.post("/dashboard/apps", url.Values{"name": {fmt.Sprintf("app-%03d", i)}}); p.status != http.StatusOK {
			b.Fatalf("create app %d: %d", i, p.status)
		}
	}
	if p := br.get("/apps"); !strings.Contains(p.body, `href="/apps/app-000"`) {
		b.Fatalf("the apps list does not show app-000:\n%s", p.body)
	}
	var first time.Duration
	var size int
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		resp := br.open(b, "/apps")
		ttfb, n := readTimed(b, resp.Body, t0)
		first += ttfb
		size = n
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("apps list: %s", resp.Status)
		}
	}
	b.ReportMetric(float64(first.Microseconds())/float64(b.N)/1000, "ms-first-byte/op")
	b.ReportMetric(float64(size)/1024, "KB-page")
	reportHeap(b)
}

// BenchmarkLogs opens More → View logs of an app and then has 5,000 lines arrive at once
// (as from a one-off's output): the page, the log session its script opens, and the lines
// read until the 5,000th arrives. It reports the time to the page's first byte, and from
// the first line written to the first and the last line read (the view can show them all),
// and the bytes streamed. The browser's side (drawing, filtering) is measured by e2e's
// TestDashboard_Browser.
func BenchmarkLogs(b *testing.B) {
	const lines = 5000
	e := newEnvWith(b, func(c *api.Config) { c.RequestBudget = -1 })
	e.mustUser(b, "owner@example.com", "owner password")
	br := e.browser(b)
	br.login("owner@example.com", "owner password")
	br.post("/dashboard/apps", url.Values{"name": {"shop"}})
	appID := e.appID(b, "shop")
	var page, firstLine, lastLine time.Duration
	var size, shown int
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		ttfb, _ := readTimed(b, br.open(b, "/apps/shop/logs").Body, t0)
		page += ttfb
		var s struct{ URL string }
		if err := json.Unmarshal([]byte(br.getJSON(b, "/dashboard/apps/shop/log-session").body), &s); err != nil {
			b.Fatal(err)
		}
		stream := openStream(b, e.srv.URL+s.URL)
		t1 := time.Now()
		for i := range lines {
			e.logs.Write(appID, "app", "run.1", fmt.Sprintf(`at=info method=GET path="/items/%d" status=200 bytes=%d`, i, 512+i))
		}
		first, last, n, got := readLines(b, stream, t1, lines)
		firstLine += first
		lastLine += last
		size, shown = n, got
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(per(page), "ms-page-first-byte/op")
	b.ReportMetric(per(firstLine), "ms-first-line/op")
	b.ReportMetric(per(lastLine), "ms-last-line/op")
	b.ReportMetric(float64(size)/1024, "KB-streamed")
	b.ReportMetric(float64(shown), "lines-received")
	reportHeap(b)
}

// open starts a GET of a page as the browser would and returns the response unread.
func (br *browser) open(tb testing.TB, path string) *http.Response {
	tb.Helper()
	req, _ := http.NewRequest("GET", br.e.srv.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := br.hc.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	return resp
}

// openStream opens the log session's event stream at u.
func openStream(tb testing.TB, u string) *http.Response {
	tb.Helper()
	req, _ := http.NewRequestWithContext(tb.Context(), "GET", u, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("log stream: %s", resp.Status)
	}
	return resp
}

// readLines reads the stream until the last of want lines of run.1 arrived and returns the
// times from t0 to the first and the last, the bytes read, and how many of the lines
// arrived: the app's buffer keeps 1,500 lines, so a reader that falls behind a burst
// gets an L11 line in place of the ones it missed, as on Heroku.
func readLines(tb testing.TB, resp *http.Response, t0 time.Time, want int) (first, last time.Duration, size, got int) {
	tb.Helper()
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	end := fmt.Sprintf(`path="/items/%d"`, want-1)
	for sc.Scan() {
		size += len(sc.Bytes()) + 1
		if !strings.HasPrefix(sc.Text(), "data: ") || !strings.Contains(sc.Text(), "app[run.1]") {
			continue
		}
		if got++; got == 1 {
			first = time.Since(t0)
		}
		if strings.Contains(sc.Text(), end) {
			return first, time.Since(t0), size, got
		}
	}
	tb.Fatalf("log stream ended after %d lines, before the last: %v", got, sc.Err())
	return
}

// readTimed reads body to the end and returns the time from t0 to its first byte, and its
// size.
func readTimed(tb testing.TB, body io.ReadCloser, t0 time.Time) (time.Duration, int) {
	tb.Helper()
	defer body.Close()
	buf := make([]byte, 32<<10)
	var first time.Duration
	n := 0
	for {
		k, err := body.Read(buf)
		if k > 0 && n == 0 {
			first = time.Since(t0)
		}
		n += k
		if err == io.EOF {
			return first, n
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// reportHeap reports the live heap after a collection, in MB: what the server holds with
// the benchmark's data (the store's SQLite pages, the log buffer) between pages.
func reportHeap(b *testing.B) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-heap")
}
