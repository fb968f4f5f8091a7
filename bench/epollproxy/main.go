// Command epollproxy is a measuring stick for the router, not a router: the smallest HTTP/1.1
// keep-alive proxy built the way nginx is, one event loop per core, each a goroutine locked
// to its thread running its own epoll_wait over non-blocking sockets, so a request costs no
// goroutine park and no wake-up of another thread. Each client connection gets its own
// connection to the backend; it relays bodyless requests and Content-Length responses only,
// adds the router's request headers and formats a router log line (not -plain), and handles
// no errors beyond closing. bench/server/run.sh runs it beside Bera's router (EPOLL=1) to
// tell how much of the gap to nginx an event loop would close before one is built into
// internal/router/fastpath. -raw and -rawio make its system calls keep the loop's P
// (RawSyscall), -spin polls before blocking, -accept and -procs are the accept batch and
// GOMAXPROCS; the defaults are Go's ordinary system calls, one accept per event.
//
//	epollproxy -listen 127.0.0.1:18095 -backend 10.79.0.5:5000 [-loops 2] [-raw -rawio]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math/bits"
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/kingvon-ke/bera/internal/router/fastpath"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:18095", "address to listen on")
	backend := flag.String("backend", "", "backend host:port")
	loops := flag.Int("loops", runtime.NumCPU(), "event loops (threads)")
	flag.IntVar(&spin, "spin", 0, "polls of epoll_wait with no timeout and no hand-off of the thread's P (RawSyscall) before a blocking one")
	flag.BoolVar(&rawio, "rawio", false, "read and write without handing off the thread's P (RawSyscall; the sockets never block)")
	flag.BoolVar(&raw, "raw", false, "block in epoll_wait without handing off the thread's P (RawSyscall; a preemption signal interrupts it)")
	flag.BoolVar(&unlocked, "unlocked", false, "do not lock each loop to its thread (a preempted loop then runs on whichever thread has a P)")
	flag.BoolVar(&plain, "plain", false, "forward requests as they came, without the router's headers and log line")
	flag.IntVar(&acceptBatch, "accept", 1, "connections a loop accepts per readiness event")
	procs := flag.Int("procs", 0, "GOMAXPROCS (0: the runtime's default)")
	flag.Parse()
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
	}
	be, err := netip.ParseAddrPort(*backend)
	if err != nil {
		log.Fatalf("-backend: %v", err)
	}
	lfd, err := listenFD(*listen)
	if err != nil {
		log.Fatal(err)
	}
	for i := 0; i < *loops; i++ {
		l, err := newLoop(lfd, be)
		if err != nil {
			log.Fatal(err)
		}
		go l.run()
	}
	go printSpans()
	fmt.Fprintln(os.Stderr, "listening on", *listen)
	select {}
}

func listenFD(addr string) (int, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return -1, err
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}); err != nil {
		return -1, err
	}
	return fd, syscall.Listen(fd, 1024)
}

// conn is one client connection and its backend connection.
type conn struct {
	cfd, bfd int
	in, res  []byte // request bytes from the client; response bytes from the backend
	want     int    // length of the whole response once its head is in, else -1
	sent     int64  // when the request went to the backend (monotonic ns since start)
}

// spans counts requests by how long they took from the request's write to the backend to
// the response's write to the client, in powers of two of microseconds; SIGUSR1 prints its
// percentiles since the last signal and the loop threads' involuntary context switches
// (the kernel's preemptions), to tell the proxy's stalls from the rest of the tail.
var (
	spans   [32]atomic.Uint64
	started = time.Now()
	tids    sync.Map // loop thread IDs
)

func record(sent int64) {
	us := (int64(time.Since(started)) - sent) / 1000
	spans[min(bits.Len64(uint64(max(us, 0))), len(spans)-1)].Add(1)
}

func printSpans() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	var prev [32]uint64
	for range ch {
		var cur [32]uint64
		var total uint64
		for i := range spans {
			cur[i] = spans[i].Load() - prev[i]
			prev[i] += cur[i]
			total += cur[i]
		}
		out := fmt.Sprintf("proxy span of %d requests:", total)
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			var n uint64
			for i, c := range cur {
				if n += c; float64(n) >= q*float64(total) {
					out += fmt.Sprintf(" p%g < %d µs", q*100, 1<<i)
					break
				}
			}
		}
		tids.Range(func(k, _ any) bool {
			b, _ := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/status", k))
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, "ctxt_switches") {
					out += "; thread " + strconv.Itoa(k.(int)) + " " + strings.Join(strings.Fields(line), " ")
				}
			}
			return true
		})
		fmt.Fprintln(os.Stderr, out)
	}
}

var (
	acceptBatch = 1
	plain       bool
	unlocked    bool
	spin        int
	raw         bool
	rawio       bool
)

// read and write are read(2) and write(2) on a non-blocking socket; with -rawio they do
// not enter the scheduler's syscall state (such a call never blocks), so the loop's P is
// never handed to another thread while the kernel works on it.
func read(fd int, p []byte) (int, error) {
	if !rawio {
		return syscall.Read(fd, p)
	}
	return rawRW(syscall.SYS_READ, fd, p)
}

func write(fd int, p []byte) (int, error) {
	if !rawio {
		return syscall.Write(fd, p)
	}
	return rawRW(syscall.SYS_WRITE, fd, p)
}

// rawRW is read(2) or write(2) (trap) of p on fd through RawSyscall.
func rawRW(trap uintptr, fd int, p []byte) (int, error) {
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// wait returns the ready events: first up to spin polls that do not enter the scheduler's
// syscall state (so the P stays with the loop), then a blocking epoll_wait, which either
// keeps the P too (raw) or hands it off as any system call does.
func (l *loop) wait(events []syscall.EpollEvent) (int, error) {
	for range spin {
		r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
		if e != 0 {
			return 0, e
		}
		if r > 0 {
			return int(r), nil
		}
	}
	if raw {
		r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 10, 0, 0)
		if e != 0 {
			return 0, e
		}
		return int(r), nil
	}
	return syscall.EpollWait(l.ep, events, -1)
}

type loop struct {
	fwd, line []byte // scratch: the forwarded request head, the log line
	ep, lfd   int
	be        netip.AddrPort
	conns     map[int]*conn // by either fd
}

func newLoop(lfd int, be netip.AddrPort) (*loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	const epollExclusive = 1 << 28
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | epollExclusive, Fd: int32(lfd)}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, lfd, &ev); err != nil {
		return nil, err
	}
	return &loop{ep: ep, lfd: lfd, be: be, conns: map[int]*conn{}}, nil
}

func (l *loop) run() {
	if !unlocked {
		runtime.LockOSThread()
		tids.Store(syscall.Gettid(), true)
	}
	events := make([]syscall.EpollEvent, 128)
	buf := make([]byte, 64<<10)
	for {
		n, err := l.wait(events)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			log.Fatal(err)
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == l.lfd {
				l.accept()
				continue
			}
			c := l.conns[fd]
			if c == nil {
				continue
			}
			if fd == c.cfd {
				l.fromClient(c, buf)
			} else {
				l.fromBackend(c, buf)
			}
		}
	}
}

// accept takes one connection per readiness event, as nginx does without multi_accept:
// with EPOLLEXCLUSIVE one loop is woken per arrival, and a loop that accepted every
// waiting connection would end up serving them all while the others idle.
func (l *loop) accept() {
	for range acceptBatch {
		cfd, _, err := syscall.Accept4(l.lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN: another loop took it, or none left
		}
		syscall.SetsockoptInt(cfd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		bfd, err := dial(l.be)
		if err != nil {
			syscall.Close(cfd)
			continue
		}
		c := &conn{cfd: cfd, bfd: bfd, want: -1}
		l.conns[cfd], l.conns[bfd] = c, c
		for _, fd := range []int{cfd, bfd} {
			syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)})
		}
	}
}

// dial connects to the backend (blocking, once per client connection), then makes the
// socket non-blocking.
func dial(be netip.AddrPort) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: int(be.Port()), Addr: be.Addr().As4()}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	return fd, syscall.SetNonblock(fd, true)
}

func (l *loop) close(c *conn) {
	delete(l.conns, c.cfd)
	delete(l.conns, c.bfd)
	syscall.Close(c.cfd)
	syscall.Close(c.bfd)
}

// fromClient reads a request and, once its head is whole, writes it to the backend.
func (l *loop) fromClient(c *conn, buf []byte) {
	n, err := read(c.cfd, buf)
	if n <= 0 {
		if err != syscall.EAGAIN {
			l.close(c)
		}
		return
	}
	c.in = append(c.in, buf[:n]...)
	if i := bytes.Index(c.in, []byte("\r\n\r\n")); i >= 0 {
		req := c.in[:i+4]
		if !plain {
			req = l.forwarded(c.in[:i+2])
		}
		c.sent = int64(time.Since(started))
		if !writeAll(c.bfd, req) {
			l.close(c)
			return
		}
		c.in = append(c.in[:0], c.in[i+4:]...)
	}
}

// forwarded returns the request head (up to and with its last field's CRLF) with the
// fields Bera's router and the benchmark's nginx add, so the dyno parses as much as
// behind them, and writes a router log line into a ring, as the router does per request.
func (l *loop) forwarded(head []byte) []byte {
	start := time.Now()
	b := append(l.fwd[:0], head...)
	b = append(b, "X-Forwarded-For: 127.0.0.1\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: 80\r\nX-Request-Id: "...)
	id := len(b)
	b = fastpath.AppendUUID(b)
	b = append(b, "\r\nX-Request-Start: "...)
	b = strconv.AppendInt(b, start.UnixMilli(), 10)
	b = append(b, "\r\nVia: 1.1 bera\r\n\r\n"...)
	l.fwd = b
	line := append(l.line[:0], start.UTC().AppendFormat(nil, time.RFC3339Nano)...)
	line = append(line, ` heroku[router]: at=info method=GET path="/" host=hello.localhost request_id=`...)
	line = append(line, b[id:id+36]...)
	line = append(line, ` fwd="127.0.0.1" dyno=web.1 connect=0ms service=0ms status=200 bytes=12 protocol=http`...)
	l.line = line
	return b
}

// fromBackend reads the response and relays it to the client once whole.
func (l *loop) fromBackend(c *conn, buf []byte) {
	n, err := read(c.bfd, buf)
	if n <= 0 {
		if err != syscall.EAGAIN {
			l.close(c)
		}
		return
	}
	c.res = append(c.res, buf[:n]...)
	if c.want < 0 {
		i := bytes.Index(c.res, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		c.want = i + 4 + contentLength(c.res[:i])
	}
	if len(c.res) >= c.want {
		if !writeAll(c.cfd, c.res[:c.want]) {
			l.close(c)
			return
		}
		record(c.sent)
		c.res = append(c.res[:0], c.res[c.want:]...)
		c.want = -1
	}
}

func contentLength(head []byte) int {
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("Content-Length")) {
			n, _ := strconv.Atoi(string(bytes.TrimSpace(v)))
			return n
		}
	}
	return 0
}

// writeAll writes p to a non-blocking socket whose buffer has room for a small message.
func writeAll(fd int, p []byte) bool {
	for len(p) > 0 {
		n, err := write(fd, p)
		if n <= 0 {
			if err == syscall.EAGAIN || err == syscall.EINTR {
				continue
			}
			return false
		}
		p = p[n:]
	}
	return true
}
