package api

import (
	"strings"
	"testing"
)

// parseBackupURL reads restores' backup_url, from the user: it never panics, and what it
// accepts names a safe add-on id and a number.
func FuzzParseBackupURL(f *testing.F) {
	f.Add("bera-backup://0b6e4d1c-5c1d-4c1e-9f0e-000000000001/3")
	f.Add("https://127.0.0.1:3000/client/v11/backup-downloads/abc/1?expires=1700000000&signature=00")
	f.Add("https://example.com/x.dump")
	f.Add("bera-backup://../1")
	f.Fuzz(func(t *testing.T, raw string) {
		ref, ok := parseBackupURL(raw)
		if !ok {
			return
		}
		if ref.addon == "" || strings.ContainsAny(ref.addon, "/\\") || ref.addon == ".." {
			t.Fatalf("%q: add-on %q", raw, ref.addon)
		}
	})
}

func TestParseBackupURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"bera-backup://db-1/2": true,
		"https://h:1/client/v11/backup-downloads/db-1/2?expires=9&signature=ab": true,
		"https://h:1/client/v11/backup-downloads/../2?expires=9&signature=ab":   false,
		"https://h:1/client/v11/backup-downloads/db-1/2":                        false,
		"bera-backup://db-1/x": false,
		"s3://bucket/key":      false,
	} {
		if _, ok := parseBackupURL(raw); ok != want {
			t.Errorf("%q: ok %v, want %v", raw, ok, want)
		}
	}
}
