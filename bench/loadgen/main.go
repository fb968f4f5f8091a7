// Command loadgen is an open-loop HTTP/1.1 load generator: it sends GET requests at a fixed
// rate over keep-alive connections, whatever the target's speed, and measures each
// request's latency from the moment it was due to be sent (not from when it could be sent),
// as wrk2 does and wrk does not. Two proxies compared at the same offered rate then show
// their own tails, where wrk's closed loop at saturation mixes a proxy's stalls with the
// extra load a faster proxy puts on the server behind it. (wrk2 is not in Debian 12.)
//
//	loadgen -url http://127.0.0.1:18091/ -host hello.localhost -rate 20000 -c 32 -d 8s
//
// It prints one line: the offered and achieved rates, errors, and latency percentiles in
// milliseconds. Connection i of c sends request k when k*c+i requests are due; a
// connection whose previous response is late sends the next one as soon as it arrives, and
// the wait counts in that request's latency.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

func main() {
	rawURL := flag.String("url", "", "target URL (http only)")
	host := flag.String("host", "", "Host header (default: the URL's host)")
	rate := flag.Float64("rate", 10000, "requests per second, in all")
	conns := flag.Int("c", 32, "connections")
	dur := flag.Duration("d", 8*time.Second, "how long to send")
	flag.StringVar(&label, "label", "", "print a Markdown table row with this first cell instead of a sentence")
	flag.Parse()
	if err := run(*rawURL, *host, *rate, *conns, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// label, if set, makes the output a Markdown table row: label, offered and achieved
// req/s, p50, p90, p99, p99.9 and max in ms, errors.
var label string

func run(rawURL, host string, rate float64, conns int, dur time.Duration) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("-url %q: want http://host:port/path", rawURL)
	}
	if rate <= 0 || conns <= 0 || dur <= 0 {
		return errors.New("-rate, -c and -d must be positive")
	}
	if host == "" {
		host = u.Host
	}
	path := u.RequestURI()
	req := []byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: loadgen\r\n\r\n")

	per := int(rate*dur.Seconds())/conns + 1
	results := make([]conn, conns)
	start := time.Now().Add(50 * time.Millisecond)
	end := start.Add(dur)
	var wg sync.WaitGroup
	for i := range results {
		c := &results[i]
		c.lat = make([]time.Duration, 0, per)
		wg.Go(func() { c.run(u.Host, req, start, end, i, conns, rate) })
	}
	wg.Wait()
	took := time.Since(start)

	var all []time.Duration
	errs := 0
	for _, c := range results {
		all = append(all, c.lat...)
		errs += c.errs
	}
	slices.Sort(all)
	qs := []float64{0.5, 0.9, 0.99, 0.999, 1}
	if label != "" {
		fmt.Printf("| %s | %.0f | %.0f |", label, rate, float64(len(all))/took.Seconds())
		for _, q := range qs {
			fmt.Printf(" %.2f |", ms(quantile(all, q)))
		}
		fmt.Printf(" %d |\n", errs)
		return nil
	}
	fmt.Printf("offered %.0f req/s, achieved %.0f req/s, %d requests, %d errors, latency ms:", rate, float64(len(all))/took.Seconds(), len(all), errs)
	for _, q := range qs {
		fmt.Printf(" p%g %.2f", q*100, ms(quantile(all, q)))
	}
	fmt.Println()
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// quantile returns the q-quantile of the sorted durations (0 for none).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// conn is one connection's share of the load and what it measured.
type conn struct {
	lat  []time.Duration
	errs int
}

// run sends request k when k*n+i requests are due at rate, until end.
func (c *conn) run(addr string, req []byte, start, end time.Time, i, n int, rate float64) {
	var nc net.Conn
	var br *bufio.Reader
	defer func() {
		if nc != nil {
			nc.Close()
		}
	}()
	for k := 0; ; k++ {
		due := start.Add(time.Duration(float64(k*n+i) / rate * float64(time.Second)))
		if !due.Before(end) {
			return
		}
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		if nc == nil {
			var err error
			if nc, err = net.Dial("tcp", addr); err != nil {
				c.errs++
				nc = nil
				continue
			}
			br = bufio.NewReaderSize(nc, 16<<10)
		}
		if err := exchange(nc, br, req); err != nil {
			c.errs++
			nc.Close()
			nc = nil
			continue
		}
		c.lat = append(c.lat, time.Since(due))
	}
}

// exchange writes req and reads one response with a Content-Length body.
func exchange(nc net.Conn, br *bufio.Reader, req []byte) error {
	if _, err := nc.Write(req); err != nil {
		return err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 2")) {
		return fmt.Errorf("status line %q", bytes.TrimSpace(line))
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return errors.New("response without Content-Length")
	}
	_, err = br.Discard(length)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
