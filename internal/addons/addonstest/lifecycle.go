package addonstest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons"
)

func (s *suite) backups(t *testing.T) {
	b, ok := s.p.(addons.Backups)
	if !ok {
		t.Skip("the provider has no backups")
	}
	c := s.mustOpen(t, s.url(t))
	if err := c.Set(t.Context(), "backed-up", "in the backup"); err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	if err := b.Backup(t.Context(), s.id, &dump); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if dump.Len() == 0 {
		t.Fatal("Backup wrote nothing")
	}
	if err := c.Set(t.Context(), "backed-up", "written after the backup"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := b.Restore(t.Context(), s.id, &dump); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	c = s.mustOpen(t, s.url(t))
	if got, err := c.Get(t.Context(), "backed-up"); err != nil || got != "in the backup" {
		t.Fatalf("after Restore Get=%q, %v, want the backed-up value", got, err)
	}
	if err := b.Backup(t.Context(), "no-such-addon", &dump); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Backup of an unknown id err=%v, want ErrNotFound", err)
	}
}

// adopt closes the provider and opens a new one on the same root: the instance keeps
// running (the connection opened before still works) and is served by the new provider.
func (s *suite) adopt(t *testing.T, c Conn) {
	before, err := s.p.Instance(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.p.Close(); err != nil {
		t.Fatal(err)
	}
	// The new provider lives until the end of the whole suite, not of this subtest.
	s.p = s.o.Open(s.top, s.root)
	if got, err := c.Get(t.Context(), "greeting"); err != nil || got != "hello" {
		t.Fatalf("a connection made before Close: Get=%q, %v; the instance did not keep running", got, err)
	}
	after, err := s.p.Instance(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	if after.Addr != before.Addr || after.URL != before.URL || !after.Created.Equal(before.Created) {
		t.Errorf("adopted instance %+v, want %+v", redact(after), redact(before))
	}
	if _, err := s.p.Info(t.Context(), s.id); err != nil {
		t.Errorf("Info after adoption: %v", err)
	}
}

// reboot stops every instance (as a machine shutdown would), closes the provider and opens
// a new one: the instance is started again with its data.
func (s *suite) reboot(t *testing.T) {
	sd, ok := s.p.(Shutdowner)
	if !ok {
		t.Skip("the provider cannot stop its instances")
	}
	pider, _ := s.p.(PIDer)
	if pider != nil {
		if _, ok := pider.PID(s.id); !ok {
			t.Skip("the instance runs no process of its own (a shared plan)")
		}
	}
	if err := sd.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c, err := s.o.Client.Open(t.Context(), s.url(t)); err == nil {
		c.Close()
		t.Fatal("the instance still serves after Shutdown")
	}
	s.p.Close()
	s.p = s.o.Open(s.top, s.root)
	var got string
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var c Conn
		if c, err = s.o.Client.Open(t.Context(), s.url(t)); err == nil {
			got, err = c.Get(t.Context(), "greeting")
			c.Close()
			break
		}
	}
	if err != nil || got != "hello" {
		t.Fatalf("after a restart of a stopped instance: Get=%q, %v", got, err)
	}
}

// rotate gives the default credential a new password: the old one is refused, the
// connection made with it is closed, the new one works and becomes the instance URL.
func (s *suite) rotate(t *testing.T, old Conn) {
	creds, err := s.p.Credentials(t.Context(), s.id)
	if err != nil {
		t.Fatal(err)
	}
	oldCred := creds[0]
	cred, err := s.p.Rotate(t.Context(), s.id, "default")
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if cred.Name != "default" || cred.Password == oldCred.Password || cred.URL == oldCred.URL {
		t.Fatal("Rotate kept the old password")
	}
	if _, err := old.Get(t.Context(), "greeting"); err == nil {
		t.Error("a connection made with the old password still works after Rotate")
	}
	if !s.o.TrustAuth {
		if c, err := s.o.Client.Open(t.Context(), oldCred.URL); err == nil {
			c.Close()
			t.Error("the old password is still accepted after Rotate")
		}
	}
	c := s.mustOpen(t, cred.URL)
	if got, err := c.Get(t.Context(), "greeting"); err != nil || got != "hello" {
		t.Fatalf("with the new password: Get=%q, %v", got, err)
	}
	if s.url(t) != cred.URL {
		t.Error("Instance URL is not the rotated credential's")
	}
	if _, err := s.p.Rotate(t.Context(), s.id, "no-such-credential"); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Rotate of an unknown credential err=%v, want ErrNotFound", err)
	}
}

func (s *suite) deprovision(t *testing.T) {
	url := s.url(t)
	if err := s.p.Deprovision(t.Context(), s.id); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.root, s.id)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the instance directory is still there (%v)", err)
	}
	if c, err := s.o.Client.Open(context.WithoutCancel(t.Context()), url); err == nil {
		c.Close()
		t.Error("the instance still accepts connections after Deprovision")
	}
	if err := s.p.Deprovision(t.Context(), s.id); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("second Deprovision err=%v, want ErrNotFound", err)
	}
	if _, err := s.p.Info(t.Context(), s.id); !errors.Is(err, addons.ErrNotFound) {
		t.Errorf("Info after Deprovision err=%v, want ErrNotFound", err)
	}
}
