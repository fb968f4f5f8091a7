package buildrun

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseSize parses a memory size: a number of bytes, or one with a K, M, G or T suffix
// (powers of 1024, an optional trailing "i" and "B" accepted: "2G", "512MiB", "1.5g").
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	mult := int64(1)
	if n := len(t); n > 0 {
		if i := strings.IndexByte("KMGT", t[n-1]); i >= 0 {
			mult = 1 << (10 * (i + 1))
			t = t[:n-1]
		}
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || !(f >= 1 && f*float64(mult) < 1<<62) {
		return 0, fmt.Errorf("invalid size %q: want e.g. 2G or 512M", s)
	}
	return int64(f * float64(mult)), nil
}

// FormatSize renders a byte count as ParseSize reads it and people like it ("2 GiB",
// "512 MiB", or bytes).
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
