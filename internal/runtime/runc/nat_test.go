package runc_test

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/runtime/runtimetest"
)

// mustWAN makes a network namespace that stands for the internet: 192.168.250.2 behind a
// veth from the host (192.168.250.1), with a TCP server on port 8000 that answers every
// client with the address it sees. It returns that server's address.
func mustWAN(t *testing.T) string {
	t.Helper()
	const ns = testPrefix + "wan"
	steps := [][]string{
		{"netns", "add", ns},
		{"link", "add", "berat-wanh", "type", "veth", "peer", "name", "berat-wanc"},
		{"link", "set", "berat-wanc", "netns", ns},
		{"addr", "add", "192.168.250.1/30", "dev", "berat-wanh"},
		{"link", "set", "berat-wanh", "up"},
		{"-n", ns, "addr", "add", "192.168.250.2/30", "dev", "berat-wanc"},
		{"-n", ns, "link", "set", "berat-wanc", "up"},
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	for _, args := range steps {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	server := exec.Command("ip", "netns", "exec", ns, runtimetest.Python, "-c", `import socket
s = socket.create_server(("192.168.250.2", 8000))
print("ready", flush=True)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()`)
	stdout, _ := server.StdoutPipe()
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Process.Kill(); server.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("wan server did not start: %q", line)
	}
	return "192.168.250.2:8000"
}

func TestNATOut(t *testing.T) {
	e := runtimetest.NewEnv(t, newRuntime)
	wan := mustWAN(t)
	host, port, _ := strings.Cut(wan, ":")
	cmd := runtimetest.Python + ` -c "import socket
c = socket.create_connection(('` + host + `', ` + port + `), timeout=5)
print('seen as', c.recv(100).decode().strip())"`
	// The outside sees the host's address, not the dyno's: the dyno is masqueraded.
	if got := mustRun(e, e.Spec("run.1", cmd)); got != "seen as 192.168.250.1" {
		t.Errorf("dyno reaching the outside: %q, want seen as 192.168.250.1", got)
	}
}
