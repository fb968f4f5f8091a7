package beratest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
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

// Rsyslog starts a private rsyslogd on a free loopback port and returns its address
// and the file it writes. It skips the test when rsyslogd is missing (fails under CI=true).
func Rsyslog(t testing.TB) (addr, out string) {
	t.Helper()
	bin := Require(t, "rsyslogd", rsyslogInstall)
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
