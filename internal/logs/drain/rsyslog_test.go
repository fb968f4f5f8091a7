package drain_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

// MustRsyslog starts a private rsyslogd; see beratest.Rsyslog.
func MustRsyslog(t *testing.T) (addr, out string) { return beratest.Rsyslog(t) }

// TestDrain_Rsyslog delivers 10,000 lines into a real rsyslogd. The drain starts before
// rsyslogd listens, so it also exercises redialling.
func TestDrain_Rsyslog(t *testing.T) {
	addr, out := MustRsyslog(t)
	buf := logs.New(logs.Config{})
	d := MustDrain(t, buf, drain.Config{URL: "syslog://" + addr, Host: "calm-river-12345", BufferSize: 20000})
	const n = 10000
	for i := range n {
		buf.Write("app1", "app", "web."+strconv.Itoa(i%3+1), "seq "+strconv.Itoa(i)+" hello from the app")
	}
	waitFor(t, "rsyslog to write every line", func() bool {
		b, _ := os.ReadFile(out)
		return bytes.Count(b, []byte("\n")) >= n
	})
	if st := d.Stats(); st.Dropped != 0 || st.Delivered != n {
		t.Errorf("stats=%+v", st)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	i := 0
	for ; sc.Scan(); i++ {
		fr, err := drain.ParseFrame(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d %q: %v", i, sc.Text(), err)
		}
		want := fmt.Sprintf("seq %d hello from the app", i)
		if fr.Message != want || fr.Host != "calm-river-12345" || fr.App != "app" || fr.ProcID != "web."+strconv.Itoa(i%3+1) || fr.Priority != 190 {
			t.Fatalf("line %d = %+v, want message %q", i, fr, want)
		}
	}
	if i != n {
		t.Errorf("rsyslog wrote %d lines, want %d", i, n)
	}
}
