package router_test

import (
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/kingvon-ke/bera/internal/router"
)

// TestSetBackends swaps an app's dynos in place: requests reach the new dyno at once, the
// route's hosts stay, and an app without a route is refused.
func TestSetBackends(t *testing.T) {
	oldDyno := MustBackend(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "old") })
	newDyno := MustBackend(t, func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "new") })
	e := MustRouter(t, router.Config{}, route(oldDyno))
	body := func() string {
		res := e.get(t, "myapp.example.com", "/", nil)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := body(); got != "old" {
		t.Fatalf("before: %q", got)
	}
	if err := e.router.SetBackends("a1", []router.Backend{{Dyno: "web.1", Addr: newDyno}}, false); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if got := body(); got != "new" {
			t.Fatalf("after SetBackends: %q, want the new dyno", got)
		}
	}
	if err := e.router.SetBackends("nope", nil, false); !errors.Is(err, router.ErrUnknownApp) {
		t.Errorf("unknown app: %v, want ErrUnknownApp", err)
	}
}
