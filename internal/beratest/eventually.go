package beratest

import (
	"errors"
	"testing"
	"time"
)

// Eventually polls cond every 100 ms until it holds (true, or a nil error) and fails the test
// after timeout, naming what it waited for and, for an error condition, its last error.
func Eventually[C func() bool | func() error](t testing.TB, timeout time.Duration, what string, cond C) {
	t.Helper()
	check := func() error {
		switch c := any(cond).(type) {
		case func() bool:
			if !c() {
				return errNotYet
			}
		case func() error:
			return c()
		}
		return nil
	}
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if !time.Now().Before(deadline) {
			if err == errNotYet {
				t.Fatalf("timed out after %s waiting for %s", timeout, what)
			}
			t.Fatalf("timed out after %s waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errNotYet is a false bool condition.
var errNotYet = errors.New("not yet")
