package deploy_test

import (
	"slices"
	"testing"

	"github.com/kingvon-ke/bera/internal/deploy"
	"github.com/kingvon-ke/bera/internal/events"
)

// TestDeploy_BuildOutputEvents: the build output the pusher sees is published line by line
// for the app's /ws followers.
func TestDeploy_BuildOutputEvents(t *testing.T) {
	h := newHarness(t, "echo compiling")
	bus := events.NewInMem()
	cfg := h.cfg
	cfg.Events = bus
	h.d = deploy.New(cfg)
	sub, err := bus.Subscribe(t.Context(), []string{h.app.ID})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	out, err := h.deploy(t, map[string]string{"Procfile": "web: ./server\n"})
	if err != nil {
		t.Fatalf("Deploy: %v\n%s", err, out)
	}
	sub.Close()
	var lines []string
	for e := range sub.C() {
		if b, ok := e.Payload.(events.BuildOutput); ok {
			lines = append(lines, b.Line)
		}
	}
	for _, want := range []string{"compiling", "-----> Discovering process types", "       Released v2"} {
		if !slices.Contains(lines, want) {
			t.Errorf("no build output event %q in %q", want, lines)
		}
	}
}
