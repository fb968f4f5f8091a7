package logs_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
)

// BenchmarkBuffer_Memory reports the heap held by the buffers of 1,000 apps.
func BenchmarkBuffer_Memory(b *testing.B) {
	cases := []struct {
		name  string
		lines int
		msg   func(i int) string
	}{
		{"Idle1Line", 1, func(i int) string { return "State changed from starting to up" }},
		{"Full1500Lines100B", logs.DefaultLines, func(i int) string { return fmt.Sprintf("%-100d", i) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			const apps = 1000
			msgs := make([]string, c.lines)
			for i := range msgs {
				msgs[i] = c.msg(i)
			}
			var perApp float64
			for b.Loop() {
				before := heap()
				buf := logs.New(logs.Config{})
				for a := range apps {
					app := "app-" + strconv.Itoa(a)
					for _, m := range msgs {
						buf.Write(app, "app", "web.1", strings.Clone(m))
					}
				}
				perApp = float64(heap()-before) / apps
				runtime.KeepAlive(buf)
			}
			b.ReportMetric(perApp, "bytes/app")
			b.ReportMetric(perApp*apps/(1<<20), "MiB/1000apps")
		})
	}
}

func heap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
