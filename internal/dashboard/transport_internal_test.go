package dashboard

import (
	"bufio"
	"fmt"
	"net/http"
	"testing"
)

// TestAPIConn checks the in-memory API connection: the API sees the browser's address, not
// a header a caller made up, and a streamed response arrives while it is being written.
func TestAPIConn(t *testing.T) {
	next := make(chan struct{})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "addr=%s header=%q\n", r.RemoteAddr, r.Header.Get(clientAddrHeader))
		w.(http.Flusher).Flush()
		<-next
		fmt.Fprintln(w, "second")
	})
	c := newAPIConn(api)
	defer c.Close()
	req, _ := http.NewRequestWithContext(withRemoteAddr(t.Context(), "203.0.113.7:5555"), "GET", "http://localhost/x", nil)
	req.Header.Set(clientAddrHeader, "198.51.100.1:1")
	resp, err := (&http.Client{Transport: c}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	line, _ := rd.ReadString('\n')
	if got, want := line, "addr=203.0.113.7:5555 header=\"\"\n"; got != want {
		t.Fatalf("API saw %q, want %q", got, want)
	}
	close(next)
	if line, _ := rd.ReadString('\n'); line != "second\n" {
		t.Fatalf("second line = %q", line)
	}
}
