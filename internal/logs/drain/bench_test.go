package drain_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

// BenchmarkBuffer_Write measures lines per second into one app's buffer with one tail
// reader (as a log session reads) and one syslog drain to a loopback server that reads
// as fast as it can. The drain may drop lines; the writer never waits for it.
func BenchmarkBuffer_Write(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	buf := logs.New(logs.Config{})
	d, err := drain.New(drain.Config{URL: "syslog://" + ln.Addr().String(), AppID: "app1", Host: "app1", Log: buf, AllowPrivate: true})
	if err != nil {
		b.Fatal(err)
	}
	buf.AddSink("app1", d)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(ctx) })
	var tailed uint64
	wg.Go(func() { tailed = tail(ctx, buf) })

	msg := strings.Repeat("m", 100)
	for b.Loop() {
		buf.Write("app1", "app", "web.1", msg)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	cancel()
	wg.Wait()
	st := d.Stats()
	b.ReportMetric(float64(st.Dropped)/float64(st.Received), "drain-dropped/line")
	b.ReportMetric(float64(tailed)/float64(b.N), "tailed/line")
}

// tail follows app1 like a log session and returns how many lines it read.
func tail(ctx context.Context, buf *logs.Buffer) uint64 {
	notify, stop := buf.Notify("app1")
	defer stop()
	var cursor, n uint64
	for {
		p, _ := buf.After(ctx, "app1", cursor, logs.Filter{}, 500)
		cursor, n = p.Cursor, n+uint64(len(p.Lines))
		if len(p.Lines) == 500 {
			continue
		}
		select {
		case <-ctx.Done():
			return n
		case <-notify:
		}
	}
}
