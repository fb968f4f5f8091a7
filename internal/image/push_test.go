package image_test

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/image/imagetest"
)

func TestPush(t *testing.T) {
	skopeo := beratest.Require(t, "skopeo", "apt-get install -y skopeo")
	addr := beratest.Registry(t)
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
