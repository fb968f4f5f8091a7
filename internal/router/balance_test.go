package router_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// countingBackend starts a backend that counts its requests under name.
func countingBackend(t *testing.T, mu *sync.Mutex, hits map[string]int, name string) string {
	return MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[name]++
		mu.Unlock()
		io.WriteString(w, name)
	})
}

// drainBody reads and closes a response and returns its status.
func drainBody(res *http.Response) int {
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestBalance_RetryOnClosedPort(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	e := MustRouter(t, router.Config{}, route(MustClosedAddr(t), countingBackend(t, &mu, hits, "web.2")))
	const n = 40
	for range n {
		if st := drainBody(e.get(t, "myapp.example.com", "/", nil)); st != 200 {
			t.Fatalf("status=%d, want 200 via the live backend", st)
		}
		e.sink.next(t)
	}
	if hits["web.2"] != n {
		t.Errorf("live backend got %d requests, want %d", hits["web.2"], n)
	}
}

func TestBalance_EvenOverThree(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	rt := route(countingBackend(t, &mu, hits, "a"), countingBackend(t, &mu, hits, "b"), countingBackend(t, &mu, hits, "c"))
	e := MustRouter(t, router.Config{}, rt)
	const n = 1500
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n / 4 {
				drainBody(e.get(t, "myapp.example.com", "/", nil))
			}
		})
	}
	wg.Wait()
	// Each should get n/3 = 500; ±150 is over 5 standard deviations of a fair split.
	for _, name := range []string{"a", "b", "c"} {
		if got := hits[name]; got < 350 || got > 650 {
			t.Errorf("backend %s got %d of %d requests (%v), want about a third", name, got, n, hits)
		}
	}
}

func TestDrain_WaitsForInFlight(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	backend := MustBackend(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "done")
	})
	e := MustRouter(t, router.Config{}, route(backend))
	var wg sync.WaitGroup
	var status int
	wg.Go(func() { status = drainBody(e.get(t, "myapp.example.com", "/", nil)) })
	<-arrived
	if err := e.router.RemoveBackend("a1", backend); err != nil {
		t.Fatal(err)
	}
	// A new request no longer reaches the removed dyno.
	if st := drainBody(e.get(t, "myapp.example.com", "/", nil)); st != 503 {
		t.Errorf("request after removal: status=%d, want 503 (H14)", st)
	}
	expired, cancel := context.WithCancel(t.Context())
	cancel()
	if err := e.router.Drain(expired, backend); !errors.Is(err, context.Canceled) {
		t.Errorf("Drain with a request in flight and a done ctx: err=%v, want context.Canceled", err)
	}
	close(release)
	if err := e.router.Drain(t.Context(), backend); err != nil {
		t.Errorf("Drain: %v", err)
	}
	wg.Wait()
	if status != 200 {
		t.Errorf("in-flight request: status=%d, want 200", status)
	}
}
