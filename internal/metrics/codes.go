package metrics

import "strings"

// ErrorCode returns the dyno error code (R10, R15, ...) that a platform log line reports,
// as the reconciler writes them ("Error R10 (Boot timeout) -> ..."), or "" for any other
// line.
func ErrorCode(msg string) string {
	rest, ok := strings.CutPrefix(msg, "Error R")
	if !ok || len(rest) < 3 || rest[2] != ' ' || !isDigit(rest[0]) || !isDigit(rest[1]) {
		return ""
	}
	return "R" + rest[:2]
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// CountErrors returns log that also counts each heroku line reporting a dyno error code
// (ErrorCode) in the app's rollups, as DynoError does. Wrap the Log of the parts that write
// R codes themselves (the reconciler: R10, R12, R15 of an OOM-killed runc dyno, R99; one-off
// dynos: R13, R99), not the memory Quota's, which counts its R14 and R15 with Count.
func (m *Metrics) CountErrors(log func(appID, source, dyno, msg string)) func(appID, source, dyno, msg string) {
	return func(appID, source, dyno, msg string) {
		if source == "heroku" {
			if code := ErrorCode(msg); code != "" {
				m.DynoError(appID, code)
			}
		}
		log(appID, source, dyno, msg)
	}
}
