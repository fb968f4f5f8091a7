package oneoff_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/oneoff"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/runtime"
	"github.com/kingvon-ke/bera/internal/runtime/process"
)

// releases is one app's release list: a fake, as the store has its own suite.
type releases []*bera.Release

// CurrentRelease returns the release marked current, as the store does.
func (r releases) CurrentRelease(context.Context, string) (*bera.Release, error) {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i].Current {
			return r[i], nil
		}
	}
	return nil, bera.NotFound("release")
}

// slugDir serves every slug from one directory.
type slugDir string

func (d slugDir) Prepare(_ context.Context, _ string, spec *runtime.DynoSpec) error {
	spec.SlugDir = string(d)
	return nil
}

// logLines records platform log lines.
type logLines struct {
	mu    sync.Mutex // guards lines
	lines []string
}

func (l *logLines) add(_, source, dyno, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, source+"["+dyno+"]: "+msg)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var app = &bera.App{ID: "7f1c2f9e-0000-4000-8000-000000000001", Name: "demo"}

// newManager returns a Manager on the process runtime with one deployed release.
func newManager(t *testing.T) (*oneoff.Manager, *logLines) {
	t.Helper()
	rt := process.New(process.Config{})
	t.Cleanup(func() { rt.Close() })
	logs := &logLines{}
	rels := releases{{ID: "r1", Version: 2, SlugID: "s1", Current: true, Config: map[string]string{"GREETING": "hi"}}}
	m := oneoff.New(oneoff.Config{Runtime: rt, Releases: rels, Slugs: slugDir(t.TempDir()), Log: logs.add})
	t.Cleanup(func() { m.Close() })
	return m, logs
}

// rendezvous serves m's rendezvous protocol on a TLS loopback listener and returns a dialer.
func rendezvous(t *testing.T, m *oneoff.Manager) func() *tls.Conn {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.LoadOrCreateCA(dir)
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
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.ServeRendezvous(ctx, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeRendezvous: %v", err)
		}
	})
	pem, _ := os.ReadFile(filepath.Join(dir, "ca.pem"))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return func() *tls.Conn {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
}

func TestRendezvous_NoTTY(t *testing.T) {
	m, logs := newManager(t)
	dial := rendezvous(t, m)
	d, secret, err := m.Create(t.Context(), app, oneoff.Options{Command: `read x; echo "$GREETING $x $DYNO"; echo err >&2; exit 3`, Attach: true, User: "a@b.c"})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Dynos(app.ID); len(got) != 1 || got[0].State != bera.DynoStarting || got[0].Type != "run" {
		t.Errorf("Dynos before attach = %+v, want one starting run dyno", got)
	}
	c := dial()
	io.WriteString(c, secret+"\r\n")
	br := bufio.NewReader(c)
	if greet, _ := br.ReadString('\n'); greet != "rendezvous\r\n" {
		t.Fatalf("first chunk %q, want rendezvous\\r\\n", greet)
	}
	io.WriteString(c, "there\n\x04")
	out, _ := io.ReadAll(br)
	if got := string(out); !strings.Contains(got, "hi there "+d.Name+"\n") || !strings.Contains(got, "err\n") {
		t.Errorf("output %q, want the greeting and stderr", got)
	}
	for _, want := range []string{"heroku[" + d.Name + "]: Starting process with command `read x;", "by user a@b.c",
		"State changed from starting to up", "Process exited with status 3", "State changed from up to complete"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if got := m.Dynos(app.ID); len(got) != 0 {
		t.Errorf("Dynos after exit = %+v, want none", got)
	}
}

func TestRendezvous_TTYAndExitMarker(t *testing.T) {
	m, _ := newManager(t)
	dial := rendezvous(t, m)
	// The Heroku CLI's -x appends this echo to the command.
	_, secret, err := m.Create(t.Context(), app, oneoff.Options{Command: "[ -t 0 ] && echo tty; (exit 5); echo \"\uFFFF heroku-command-exit-status: $?\"", Attach: true, TTY: true})
	if err != nil {
		t.Fatal(err)
	}
	c := dial()
	io.WriteString(c, "/"+secret+"?x=1\r\n")
	out, _ := io.ReadAll(c)
	if got := string(out); !strings.HasPrefix(got, "rendezvous\r\n") || !strings.Contains(got, "tty\r\n") || !strings.Contains(got, "\uFFFF heroku-command-exit-status: 5") {
		t.Errorf("output %q, want the greeting, tty and the exit marker", got)
	}
}

func TestRendezvous_SecretIsOneUse(t *testing.T) {
	m, _ := newManager(t)
	dial := rendezvous(t, m)
	_, secret, err := m.Create(t.Context(), app, oneoff.Options{Command: "true", Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	c := dial()
	io.WriteString(c, secret+"\r\n")
	io.ReadAll(c)
	for _, s := range []string{secret, "wrong"} {
		c := dial()
		io.WriteString(c, s+"\r\n")
		if out, _ := io.ReadAll(c); len(out) != 0 {
			t.Errorf("secret %q: got %q, want the connection closed", s, out)
		}
	}
}

func TestManager_DetachedAndStop(t *testing.T) {
	m, logs := newManager(t)
	d, secret, err := m.Create(t.Context(), app, oneoff.Options{Command: "sleep 300", Size: "standard-2x"})
	if err != nil || secret != "" {
		t.Fatalf("Create = %v, secret %q", err, secret)
	}
	if got := m.Dynos(app.ID); len(got) != 1 || got[0].State != bera.DynoUp || got[0].Size != "standard-2X" {
		t.Fatalf("Dynos = %+v, want one up standard-2X dyno", got)
	}
	if err := m.Stop(t.Context(), app.ID, d.Name); err != nil {
		t.Fatal(err)
	}
	m.Close() // waits for the watcher, which logs the exit
	if want := "Process exited with status 143"; !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %q:\n%s", want, logs)
	}
	if err := m.Stop(t.Context(), app.ID, d.Name); bera.ErrorCode(err) != bera.ENotFound {
		t.Errorf("Stop of a gone dyno = %v, want not_found", err)
	}
}

func TestManager_CreateErrors(t *testing.T) {
	m, _ := newManager(t)
	for name, o := range map[string]oneoff.Options{
		"empty command": {Command: " "},
		"bad size":      {Command: "true", Size: "huge"},
		"bad type":      {Command: "true", Type: "no spaces"},
	} {
		if _, _, err := m.Create(t.Context(), app, o); bera.ErrorCode(err) != bera.EInvalid {
			t.Errorf("%s: err = %v, want invalid_params", name, err)
		}
	}
	noCode := oneoff.New(oneoff.Config{Releases: releases{{ID: "r1", Version: 1, Current: true}}})
	t.Cleanup(func() { noCode.Close() })
	if _, _, err := noCode.Create(t.Context(), app, oneoff.Options{Command: "true"}); bera.ErrorCode(err) != bera.EInvalid {
		t.Errorf("app with no slug: err = %v, want invalid_params", err)
	}
}

func FuzzReadSecretLine(f *testing.F) {
	for _, s := range []string{"abc\r\n", "/abc?x=1\n", "\n", strings.Repeat("a", 600) + "\n", "no newline"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		secret, err := oneoff.ReadSecretLine(bufio.NewReader(strings.NewReader(s)))
		if err == nil && (secret == "" || len(secret) > 512 || strings.ContainsAny(secret, "\n?")) {
			t.Errorf("ReadSecretLine(%q) = %q", s, secret)
		}
	})
}

func FuzzParseControl(f *testing.F) {
	for _, s := range []string{`{"type":"eof"}`, `{"type":"resize","rows":24,"cols":80}`, `{"type":"resize"}`, `{`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := oneoff.ParseControl(b)
		if err == nil && c.Type != "eof" && (c.Type != "resize" || c.Rows == 0 || c.Cols == 0) {
			t.Errorf("ParseControl(%q) = %+v", b, c)
		}
	})
}

// A guess that is almost the secret (one character off, a prefix, the secret plus more) is
// refused and does not use the secret up.
func TestAttach_NearMissSecretsRefused(t *testing.T) {
	m, _ := newManager(t)
	_, secret, err := m.Create(t.Context(), app, oneoff.Options{Command: "true", Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	last := secret[len(secret)-1]
	flipped := secret[:len(secret)-1] + string(rune('0'+(last-'0'+1)%10))
	if last > '9' {
		flipped = secret[:len(secret)-1] + "0"
	}
	for _, guess := range []string{"", flipped, secret[:len(secret)-1], secret + "0", strings.ToUpper(secret) + "X"} {
		if p, err := m.Attach(t.Context(), guess, "", ""); err != oneoff.ErrNoSession {
			if p != nil {
				p.Wait(t.Context(), io.Discard, io.Discard)
			}
			t.Fatalf("Attach(%q) = %v, want ErrNoSession", guess, err)
		}
	}
	p, err := m.Attach(t.Context(), secret, "", "")
	if err != nil {
		t.Fatalf("Attach with the real secret after the guesses: %v", err)
	}
	p.Stdin.Close()
	if _, err := p.Wait(t.Context(), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
}
