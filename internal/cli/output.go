package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// header prints a Heroku-style "=== title" line.
func header(w io.Writer, title string) {
	fmt.Fprintln(w, "=== "+title)
}

// printTable prints rows with columns padded to the widest cell, two spaces apart, and no
// trailing spaces.
func printTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// kv is one line of a styled object.
type kv struct{ key, value string }

// printObject prints "Key: value" lines with the values aligned, like the Heroku CLI's
// styledObject.
func printObject(w io.Writer, pairs []kv) {
	width := 0
	for _, p := range pairs {
		width = max(width, utf8.RuneCountInString(p.key))
	}
	for _, p := range pairs {
		pad := strings.Repeat(" ", width-utf8.RuneCountInString(p.key)+1)
		fmt.Fprintln(w, strings.TrimRight(p.key+":"+pad+p.value, " "))
	}
}

// humanTime formats an RFC 3339 time as "2026/01/02 15:04:05 +0000 (~ 5m ago)".
func humanTime(rfc3339 string, now time.Time) string {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		return rfc3339
	}
	return t.Format("2006/01/02 15:04:05 -0700") + " (~ " + ago(now.Sub(t)) + " ago)"
}

// ago is a rough duration: "12s", "5m", "3h", "2d".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// humanSize formats a byte count ("0 B", "12.3 MB").
func humanSize(n *int64) string {
	if n == nil {
		return "0 B"
	}
	v, units := float64(*n), []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", *n)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}
