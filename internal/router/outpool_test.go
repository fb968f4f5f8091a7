package router_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// TestFrontend_PooledBuffersNotShared relays responses that grow a connection's output
// buffer (taken from a pool and given back between requests) on several keep-alive
// connections at once, and checks every body arrives intact. A buffer given back while its
// connection still used it would mix bodies; under -race it is also reported as a race.
func TestFrontend_PooledBuffersNotShared(t *testing.T) {
	addr := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		c := r.URL.Query().Get("c")
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(bytes.Repeat([]byte(c), n))
	})
	e := MustRouter(t, router.Config{}, route(addr))
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer client.CloseIdleConnections()
			c := string(rune('a' + i))
			for j := range 40 {
				n := 2000 + (j*7919+i*104729)%30000
				req, _ := http.NewRequest("GET", fmt.Sprintf("%s/?n=%d&c=%s", e.front.URL, n, c), nil)
				req.Host = "myapp.example.com"
				res, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if len(body) != n || bytes.Count(body, []byte(c)) != n {
					t.Errorf("connection %d request %d: got %d bytes (%d of %q), want %d", i, j, len(body), bytes.Count(body, []byte(c)), c, n)
					return
				}
			}
		}()
	}
	wg.Wait()
}
