package image_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/image/imagetest"
)

// startRegistry runs Debian's docker-registry on a free loopback port and returns its
// host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	bin := beratest.Require(t, "docker-registry", "apt-get install -y docker-registry")
	addr := beratest.FreeAddr(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	log, _ := os.Create(filepath.Join(dir, "log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	beratest.Eventually(t, 10*time.Second, "docker-registry answers", func() bool {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return addr
}

func TestPush(t *testing.T) {
	skopeo := beratest.Require(t, "skopeo", "apt-get install -y skopeo")
	addr := startRegistry(t)
	s := mustOpen(t)
	digest := imagetest.Export(t, s.LayoutDir(), helloImage)
	ref := addr + "/bera/hello:v1"
	if err := s.Push(t.Context(), digest, ref, true); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+ref).Output()
	if err != nil {
		t.Fatalf("skopeo inspect: %v\n%s", err, out)
	}
	var got struct {
		Digest string
		Labels map[string]string
		Layers []string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Digest != digest || got.Labels[cnb.LifecycleMetadataLabel] == "" || len(got.Layers) != 3 {
		t.Errorf("registry has %+v, want %s with its labels and 3 layers", got, digest)
	}
	if err := s.Push(t.Context(), "sha256:"+digest[7:15]+digest[15:], "not a ref!", true); err == nil {
		t.Error("Push to a bad reference succeeded")
	}
}
