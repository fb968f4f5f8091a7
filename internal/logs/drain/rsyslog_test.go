package drain_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

const rsyslogInstall = "apt-get install -y --no-install-recommends rsyslog"

// rsyslogConf makes a private rsyslogd write every raw message it receives over TCP
// (octet-counted or not) to one file.
const rsyslogConf = `global(workDirectory="%[1]s")
module(load="imtcp")
template(name="raw" type="string" string="%%rawmsg%%\n")
ruleset(name="drain") {
  action(type="omfile" file="%[1]s/out.log" template="raw")
}
input(type="imtcp" address="127.0.0.1" port="%[2]d" ruleset="drain")
`

// MustRsyslog starts a private rsyslogd on a free loopback port and returns its address
// and the file it writes. It skips the test when rsyslogd is missing (fails under CI=true).
func MustRsyslog(t *testing.T) (addr, out string) {
	t.Helper()
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("rsyslogd is not installed (%s)", rsyslogInstall)
		}
		t.Skipf("rsyslogd is not installed (%s)", rsyslogInstall)
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, rsyslogConf, dir, port), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(bin, "-N1", "-f", conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1: %v\n%s", err, b)
	}
	cmd := exec.Command(bin, "-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), filepath.Join(dir, "out.log")
}

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
