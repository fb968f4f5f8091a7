package router_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// benchGet runs keep-alive GETs against url with Host host from parallel clients.
func benchGet(b *testing.B, client *http.Client, url, host string) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Host = host
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello, world\n") }

// BenchmarkProxy measures requests through the router to a loopback backend; Direct is the
// same client against the backend alone, for the router's share of the cost.
func BenchmarkProxy(b *testing.B) {
	backend := MustBackend(b, hello)
	e := MustRouter(b, router.Config{}, route(backend))
	e.sink.discard = true
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.Run("Direct", func(b *testing.B) { benchGet(b, client, "http://"+backend+"/", "myapp.example.com") })
	b.Run("Router", func(b *testing.B) { benchGet(b, client, e.front.URL+"/", "myapp.example.com") })
}
