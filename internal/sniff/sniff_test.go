package sniff_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/sniff"
)

// TestPlainAndTLSOnOnePort serves HTTP and HTTPS from one listener and checks each request
// saw the protocol it was sent with.
func TestPlainAndTLSOnOnePort(t *testing.T) {
	ca, err := pki.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			io.WriteString(w, "tls")
			return
		}
		io.WriteString(w, "plain")
	})}
	go srv.Serve(sniff.New(ln, &tls.Config{Certificates: []tls.Certificate{cert}}, time.Second))
	t.Cleanup(func() { srv.Close() })

	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for scheme, want := range map[string]string{"http": "plain", "https": "tls"} {
		res, err := client.Get(scheme + "://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != want {
			t.Errorf("%s: got %q, want %q", scheme, body, want)
		}
	}
}

// TestCloseWhileAccepting closes the listener while Accept waits and while the accept loop
// fails on the closed socket; run with -race, where the loop's error and Accept used to race.
func TestCloseWhileAccepting(t *testing.T) {
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := sniff.New(ln, nil, time.Second)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Accept(); err == nil {
				t.Error("Accept after Close returned no error")
			}
		}()
		ln.Close() // the accept loop sees the error itself
		s.Close()
		wg.Wait()
		if _, err := s.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
	}
}
