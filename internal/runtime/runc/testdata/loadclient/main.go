// Command loadclient sends GET requests to a URL over keep-alive connections for a while
// and prints "rps=N p50us=N p99us=N": the benchmarks run it inside a dyno, where no load
// tool of the host is at hand. With -serve it is the other end instead: an HTTP server on
// $PORT answering "ok".
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	conns := flag.Int("c", 8, "connections")
	d := flag.Duration("d", 3*time.Second, "duration")
	serve := flag.Bool("serve", false, "serve on $PORT instead")
	flag.Parse()
	if *serve {
		fmt.Println("listening")
		http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
		fmt.Fprintln(os.Stderr, http.ListenAndServe(":"+os.Getenv("PORT"), nil))
		os.Exit(1)
	}
	url := flag.Arg(0)
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(*d)
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	for range *conns {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		fmt.Fprintln(os.Stderr, "no requests")
		os.Exit(1)
	}
	fmt.Printf("rps=%d p50us=%d p99us=%d\n", int(float64(len(lat))/d.Seconds()),
		lat[len(lat)/2].Microseconds(), lat[len(lat)*99/100].Microseconds())
}
