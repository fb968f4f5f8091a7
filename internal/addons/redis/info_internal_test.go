package redis

import "testing"

func TestParseInfo(t *testing.T) {
	f := parseInfo("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n# Clients\r\nconnected_clients:2\r\nweird\r\n")
	if f["redis_version"] != "7.0.15" || f["connected_clients"] != "2" || len(f) != 3 {
		t.Errorf("parseInfo=%v", f)
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("# Server\r\nredis_version:7.0.15\r\nused_memory:1024\r\n")
	f.Add("a:b:c\n#x:y\n:\n")
	f.Fuzz(func(t *testing.T, raw string) {
		for k := range parseInfo(raw) {
			if len(k) > 0 && k[0] == '#' {
				t.Errorf("comment %q parsed as a field", k)
			}
		}
	})
}
