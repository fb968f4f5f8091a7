package acme_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"go.uber.org/zap"

	"github.com/kingvon-ke/bera/internal/certs/acme"
)

// TestZapLogger checks that what certmagic logs through zap reaches the slog logger with
// its level, message, logger name, fields and the logger's own attributes.
func TestZapLogger(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "acme")
	zl := acme.ZapLogger(log).Named("obtain").With(zap.String("identifier", "a.example.test"))

	zl.Debug("hidden below the slog level")
	zl.Info("obtaining certificate", zap.Int("attempt", 2))
	zl.Error("could not get certificate", zap.Error(errors.New("rate limited")))

	var got []map[string]any
	for line := range bytes.Lines(buf.Bytes()) {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		delete(m, "time")
		got = append(got, m)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "obtaining certificate", "component": "acme", "identifier": "a.example.test", "logger": "obtain", "attempt": 2.0},
		{"level": "ERROR", "msg": "could not get certificate", "component": "acme", "identifier": "a.example.test", "logger": "obtain", "error": "rate limited"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if g, w := mustJSON(t, got[i]), mustJSON(t, want[i]); g != w {
			t.Errorf("line %d = %s, want %s", i, g, w)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
