package client_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/client"
)

func TestDecodeError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   client.Error
	}{
		{"Heroku", 404, `{"id":"not_found","message":"Couldn't find that app.","resource":"app"}`,
			client.Error{StatusCode: 404, ID: "not_found", Message: "Couldn't find that app.", Resource: "app", RequestID: "r1"}},
		{"MultiLine", 422, `{"id":"invalid_params","message":"Name is taken.\nPick another."}`,
			client.Error{StatusCode: 422, ID: "invalid_params", Message: "Name is taken. Pick another.", RequestID: "r1"}},
		{"NoMessage", 401, `{"id":"unauthorized"}`,
			client.Error{StatusCode: 401, ID: "unauthorized", Message: "HTTP 401 Unauthorized for GET /account", RequestID: "r1"}},
		{"NotJSON", 502, `<html>bad gateway</html>`,
			client.Error{StatusCode: 502, Message: "HTTP 502 Bad Gateway for GET /account", RequestID: "r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := client.DecodeError(tt.status, "r1", []byte(tt.body), "GET /account")
			if *got != tt.want {
				t.Errorf("DecodeError=%+v, want %+v", *got, tt.want)
			}
			if got.Error() != tt.want.Message {
				t.Errorf("Error()=%q, want %q", got.Error(), tt.want.Message)
			}
		})
	}
}

func TestIsNotFound(t *testing.T) {
	if !client.IsNotFound(&client.Error{StatusCode: 404}) || client.IsNotFound(errors.New("x")) || client.IsNotFound(&client.Error{StatusCode: 403}) {
		t.Error("IsNotFound is wrong")
	}
}

func TestNew(t *testing.T) {
	t.Setenv("BERA_CA_CERT", "")
	for _, bad := range []string{"ftp://x", "127.0.0.1:3000", "http://", "http://h/?q=1"} {
		if _, err := client.New(client.Config{URL: bad}); err == nil {
			t.Errorf("New(%q) succeeded, want an error", bad)
		}
	}
	c, err := client.New(client.Config{URL: "https://bera.example.com/api/v1/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.URL().String(); got != "https://bera.example.com/api/v1" {
		t.Errorf("URL=%q", got)
	}
	if c.Host() != "bera.example.com" {
		t.Errorf("Host=%q", c.Host())
	}
}

func TestNew_CACert(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BERA_CA_CERT", "")
	if _, err := client.New(client.Config{URL: "https://h", CACertFile: notPEM}); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Errorf("New with a non-PEM CA: err=%v", err)
	}
	t.Setenv("BERA_CA_CERT", filepath.Join(dir, "missing.pem"))
	if _, err := client.New(client.Config{URL: "https://h"}); err == nil {
		t.Error("New with a missing $BERA_CA_CERT succeeded")
	}
}

func FuzzDecodeError(f *testing.F) {
	f.Add(404, []byte(`{"id":"not_found","message":"Couldn't find that app."}`))
	f.Add(500, []byte(`{"message":null}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := client.DecodeError(status, "", body, "GET /x")
		if e.Message == "" || strings.ContainsAny(e.Message, "\n\r") {
			t.Fatalf("DecodeError(%d, %q).Message=%q", status, body, e.Message)
		}
	})
}
