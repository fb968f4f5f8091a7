// Package slugtest is the conformance suite for slug.Store backends: every backend's tests
// call Run with a constructor for a fresh, empty store.
package slugtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/slug"
)

// Run runs every behaviour of the slug.Store contract against stores made by newStore,
// each test with a fresh, empty store.
func Run(t *testing.T, newStore func(t *testing.T) slug.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s slug.Store)
	}{
		{"PutOpen", testPutOpen},
		{"PutTwiceSameID", testPutTwice},
		{"PutFailedLeavesNothing", testPutFailed},
		{"ListSorted", testList},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"Prune", testPrune},
		{"ConcurrentPut", testConcurrentPut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

// sum returns the hex SHA-256 of b.
func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// mustPut stores b and checks the returned Info.
func mustPut(t *testing.T, s slug.Store, b []byte) slug.Info {
	t.Helper()
	info, err := s.Put(t.Context(), bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if want := sum(b); info.ID != want || info.SHA256 != want || info.Size != int64(len(b)) {
		t.Fatalf("Put = %+v, want id and sha256 %s, size %d", info, want, len(b))
	}
	return info
}

func testPutOpen(t *testing.T, s slug.Store) {
	data := bytes.Repeat([]byte("slug bytes "), 10000)
	info := mustPut(t, s, data)
	rc, err := s.Open(t.Context(), info.ID)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Open read %d bytes, err %v; want the %d bytes put", len(got), err, len(data))
	}
	st, err := s.Stat(t.Context(), info.ID)
	if err != nil || st.ID != info.ID || st.Size != info.Size {
		t.Fatalf("Stat = %+v, %v; want %+v", st, err, info)
	}
	if got, want := st.Checksum(), "SHA256:"+info.ID; got != want {
		t.Errorf("Checksum = %q, want %q", got, want)
	}
}

func testPutTwice(t *testing.T, s slug.Store) {
	a := mustPut(t, s, []byte("same"))
	b := mustPut(t, s, []byte("same"))
	if a.ID != b.ID {
		t.Fatalf("ids differ: %s %s", a.ID, b.ID)
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v; want one slug", list, err)
	}
}

// failingReader returns some bytes and then an error.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "partial"), nil
	}
	return 0, errors.New("connection reset")
}

func testPutFailed(t *testing.T, s slug.Store) {
	if _, err := s.Put(t.Context(), &failingReader{n: 3}); err == nil {
		t.Fatal("Put of a failing reader succeeded")
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 0 {
		t.Fatalf("List after failed Put = %v, %v; want empty", list, err)
	}
}

func testList(t *testing.T, s slug.Store) {
	for _, b := range []string{"one", "two", "three"} {
		mustPut(t, s, []byte(b))
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 3 {
		t.Fatalf("List = %v, %v; want 3", list, err)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].ID >= list[i].ID {
			t.Fatalf("List not sorted by ID: %v", list)
		}
	}
}

func testDelete(t *testing.T, s slug.Store) {
	info := mustPut(t, s, []byte("doomed"))
	if err := s.Delete(t.Context(), info.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Open(t.Context(), info.ID); bera.ErrorCode(err) != bera.ENotFound {
		t.Fatalf("Open after Delete: %v, want not_found", err)
	}
	if err := s.Delete(t.Context(), info.ID); bera.ErrorCode(err) != bera.ENotFound {
		t.Fatalf("second Delete: %v, want not_found", err)
	}
}

func testNotFound(t *testing.T, s slug.Store) {
	ids := []string{sum([]byte("never stored")), "", "../../etc/passwd", strings.Repeat("A", 64), "ab"}
	for _, id := range ids {
		if _, err := s.Open(t.Context(), id); bera.ErrorCode(err) != bera.ENotFound {
			t.Errorf("Open(%q) = %v, want not_found", id, err)
		}
		if _, err := s.Stat(t.Context(), id); bera.ErrorCode(err) != bera.ENotFound {
			t.Errorf("Stat(%q) = %v, want not_found", id, err)
		}
		if err := s.Delete(t.Context(), id); bera.ErrorCode(err) != bera.ENotFound {
			t.Errorf("Delete(%q) = %v, want not_found", id, err)
		}
	}
}

func testPrune(t *testing.T, s slug.Store) {
	keep := mustPut(t, s, []byte("kept"))
	drop := mustPut(t, s, []byte("dropped"))
	deleted, err := slug.Prune(t.Context(), s, map[string]bool{keep.ID: true})
	if err != nil {
		t.Fatalf("Prune: %v", err)
	}
	if len(deleted) != 1 || deleted[0] != drop.ID {
		t.Fatalf("Prune deleted %v, want [%s]", deleted, drop.ID)
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != keep.ID {
		t.Fatalf("List after Prune = %v, %v; want only %s", list, err, keep.ID)
	}
}

func testConcurrentPut(t *testing.T, s slug.Store) {
	data := bytes.Repeat([]byte("x"), 1<<16)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := s.Put(t.Context(), bytes.NewReader(data))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Put: %v", err)
		}
	}
	list, err := s.List(t.Context())
	if err != nil || len(list) != 1 || list[0].Size != int64(len(data)) {
		t.Fatalf("List = %v, %v; want one full slug", list, err)
	}
}
