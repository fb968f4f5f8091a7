package dashboard

import (
	"sync"
	"testing"
	"time"
)

// TestSessions_Concurrent uses the store from many goroutines (run with -race): every
// session is found until deleted, and each flash is shown once.
func TestSessions_Concurrent(t *testing.T) {
	now := time.Now()
	s := newSessions(func() time.Time { return now }, time.Hour)
	var wg sync.WaitGroup
	shown := make(chan int, 100)
	for i := range 100 {
		wg.Go(func() {
			sess := s.create("token", "key", "u@example.com")
			if s.get(sess.id) != sess {
				t.Errorf("session %d not found", i)
			}
			s.setFlash(sess, flash{Text: "hi"})
			for range 2 {
				if s.popFlash(sess) != nil {
					shown <- i
				}
			}
			s.delete(sess.id)
			if s.get(sess.id) != nil {
				t.Errorf("session %d found after delete", i)
			}
		})
	}
	wg.Wait()
	close(shown)
	if n := len(shown); n != 100 {
		t.Fatalf("flashes shown %d times, want 100", n)
	}
}

// TestSessions_Expire checks that a session ends at its TTL and that creating sessions sweeps
// the expired ones.
func TestSessions_Expire(t *testing.T) {
	now := time.Now()
	s := newSessions(func() time.Time { return now }, time.Hour)
	old := s.create("t1", "k1", "a@example.com")
	now = now.Add(time.Hour)
	if s.get(old.id) != nil {
		t.Fatal("session alive at its TTL")
	}
	s.create("t2", "k2", "b@example.com")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byID[old.id]; ok || len(s.byID) != 1 {
		t.Fatalf("expired session kept: %d sessions", len(s.byID))
	}
}
