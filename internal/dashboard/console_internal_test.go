package dashboard

import (
	"sync"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/wire"
)

// TestConsoles checks that a started console is taken once, only by its session and app,
// and not after consoleTTL; concurrent use is race-free.
func TestConsoles(t *testing.T) {
	now := time.Unix(1e9, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cs := newConsoles(clock)
	d := &wire.Dyno{Name: "run.1"}
	tok := cs.add("s1", "shop", d)
	if cs.take(tok, "s2", "shop") != nil || cs.take(tok, "s1", "other") != nil {
		t.Fatal("another session or app took the console")
	}
	if got := cs.take(tok, "s1", "shop"); got != d {
		t.Fatalf("take = %v, want the dyno", got)
	}
	if cs.take(tok, "s1", "shop") != nil {
		t.Fatal("a console was taken twice")
	}
	tok = cs.add("s1", "shop", d)
	mu.Lock()
	now = now.Add(consoleTTL)
	mu.Unlock()
	if cs.take(tok, "s1", "shop") != nil {
		t.Fatal("an expired console was taken")
	}

	var wg sync.WaitGroup
	taken := make(chan *wire.Dyno, 64)
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			tok := cs.add("s", "shop", d)
			for j := 0; j < 8; j++ {
				taken <- cs.take(tok, "s", "shop")
			}
		})
	}
	wg.Wait()
	close(taken)
	n := 0
	for got := range taken {
		if got != nil {
			n++
		}
	}
	if n != 8 {
		t.Fatalf("%d consoles taken, want 8 (each once)", n)
	}
}
