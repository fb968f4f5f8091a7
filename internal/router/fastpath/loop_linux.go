package fastpath

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Event loops (Config.EventLoop): one goroutine for every two CPUs (see loopCount), each with its own epoll instance,
// serves the keep-alive connections it owns the way nginx's workers do: a request is read
// when its bytes arrive, sent to a dyno over a connection of the loop's own pool, and its
// response written back when the dyno's answer is whole, with no goroutine parked or woken
// in between. The sockets are taken out of Go's poller while a loop owns them (a duplicate
// of the descriptor is kept and the net.Conn closed), so only the loop's epoll reports them.
//
// A loop serves only the common case: a plain request the fast path takes (see fast),
// sent over an idle connection of its own pool or of the dyno's shared Pool, answered
// within clientWatchDelay with a Content-Length response that fits in the connection's
// buffer, and written back at once. Anything else goes back to Go's poller and goes on
// on a goroutine from where the loop was, with the goroutine code (conn.go, dyno.go,
// relay.go): the slow path's hand-off, dialing, retries, H-codes, 1xx, streamed, chunked
// or large bodies, slow dynos with the client watched, slow clients. When that goroutine
// has served the request and the connection waits for its next one, it gives it back to
// the loop (frontConn.readHead).

// loopServed counts the requests event loops answered themselves, for tests.
var loopServed atomic.Int64

// loops are a Server's event loops.
type loops struct {
	ls   []*loop
	next atomic.Uint32
}

// newLoops starts n event loops for s.
func newLoops(s *Server, n int) (*loops, error) {
	ls := &loops{}
	for range n {
		l, err := newLoop(s)
		if err != nil {
			for _, l := range ls.ls {
				l.stop()
			}
			return nil, err
		}
		ls.ls = append(ls.ls, l)
		go l.run()
	}
	return ls, nil
}

// adopt gives c, which waits for its next request with nothing buffered, to an event loop,
// and reports whether one took it.
func (ls *loops) adopt(c *frontConn) bool {
	fd, err := takeFD(c.conn)
	if err != nil {
		return false
	}
	l := c.lp
	if l == nil {
		l = ls.ls[int(ls.next.Add(1))%len(ls.ls)]
		c.lp = l
	}
	c.f.mu.Lock()
	conn := c.conn
	c.conn, c.fd = nil, fd
	c.f.mu.Unlock()
	conn.Close() // the duplicate keeps the socket; Go's poller forgets it
	c.rd, c.wd = lazyDeadline{}, lazyDeadline{}
	if !l.post(c) {
		syscall.Close(fd)
		c.fd = -1
		c.f.remove(c)
	}
	return true
}

// wake makes every loop look at its connections' states (Shutdown, Close).
func (ls *loops) wake() {
	for _, l := range ls.ls {
		l.poke()
	}
}

// stop ends the loops once they have closed their connections.
func (ls *loops) stop() {
	for _, l := range ls.ls {
		l.stop()
	}
}

// takeFD returns a close-on-exec duplicate of conn's socket, to own once conn is closed.
func takeFD(conn net.Conn) (int, error) {
	rc := rawConn(conn)
	if rc == nil {
		return -1, errors.ErrUnsupported
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if e != 0 {
			derr = e
			return
		}
		fd = int(r)
	}); err != nil {
		return -1, err
	}
	return fd, derr
}

// fdConn makes a net.Conn of a socket a loop owned, and closes fd (the net.Conn has a
// duplicate of its own): the caller must not close fd again, which might by then be
// another connection's.
func fdConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "")
	defer f.Close()
	return net.FileConn(f)
}

// loop is one event loop. Its fields after mu are the loop goroutine's alone.
type loop struct {
	s    *Server
	ep   int
	wake [2]int // a pipe: a byte written to wake[1] makes the loop look at inbox and states

	tid atomic.Int32 // the thread run keeps, once it runs

	mu      sync.Mutex // guards inbox and done
	inbox   []*frontConn
	done    bool
	stopped chan struct{}

	conns    map[int]*frontConn   // client connections by socket
	dynos    map[int]*backendConn // dyno connections by socket, idle or carrying a request
	pools    map[Backend][]*backendConn
	waiting  map[*frontConn]struct{} // requests sent, their response not yet whole
	events   []syscall.EpollEvent
	lastScan time.Time // of the requests waiting for dynos
	lastFull time.Time // of every connection
	yielded  time.Time // when wait last let other goroutines run
}

func newLoop(s *Server) (*loop, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	l := &loop{s: s, ep: ep, stopped: make(chan struct{}), conns: map[int]*frontConn{}, dynos: map[int]*backendConn{},
		pools: map[Backend][]*backendConn{}, waiting: map[*frontConn]struct{}{}, events: make([]syscall.EpollEvent, 128)}
	if err := syscall.Pipe2(l.wake[:], syscall.O_NONBLOCK|syscall.O_CLOEXEC); err != nil {
		syscall.Close(ep)
		return nil, os.NewSyscallError("pipe2", err)
	}
	if err := l.watch(l.wake[0]); err != nil {
		l.closeFDs()
		return nil, err
	}
	return l, nil
}

func (l *loop) closeFDs() {
	syscall.Close(l.wake[0])
	syscall.Close(l.wake[1])
	syscall.Close(l.ep)
}

// watch adds fd to the loop's epoll, edge-triggered.
func (l *loop) watch(fd int) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | -syscall.EPOLLET, Fd: int32(fd)}
	return os.NewSyscallError("epoll_ctl", syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &ev))
}

// unwatch removes fd from the loop's epoll.
func (l *loop) unwatch(fd int) {
	syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_DEL, fd, nil) //nolint:errcheck // fd is closed or handed on next
}

// post hands c to the loop, and reports false when the loop has ended.
func (l *loop) post(c *frontConn) bool {
	l.mu.Lock()
	if l.done {
		l.mu.Unlock()
		return false
	}
	l.inbox = append(l.inbox, c)
	l.mu.Unlock()
	l.poke()
	return true
}

// poke wakes the loop.
func (l *loop) poke() {
	syscall.Write(l.wake[1], []byte{0}) //nolint:errcheck // a full pipe wakes it as well
}

// stop ends the loop after it closed its connections, and waits for it.
func (l *loop) stop() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
	l.poke()
	<-l.stopped
}

// scanEvery is how often a loop looks at its connections' deadlines.
const scanEvery = 50 * time.Millisecond

func (l *loop) run() {
	defer close(l.stopped)
	defer l.closeFDs()
	// The loop keeps a thread of its own, with more CPU weight than the dynos (see loopNice),
	// and never unlocks it: when run returns, the thread gets its priority back and ends
	// with the loop (the main thread is parked instead) rather than run other goroutines at
	// that weight. A yield costs a thread switch, at most once per busyWait.
	runtime.LockOSThread()
	tid := syscall.Gettid()
	l.tid.Store(int32(tid))
	// The raw system call returns 20 - nice.
	if prio, err := syscall.Getpriority(syscall.PRIO_PROCESS, tid); err == nil {
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, loopNice); err != nil {
			l.s.cfg.Logger.Debug("event loop priority", "err", err) // not root: the loop runs at the server's
		} else {
			defer syscall.Setpriority(syscall.PRIO_PROCESS, tid, 20-prio) //nolint:errcheck // lowering needs no privilege
		}
	}
	for {
		n, err := l.wait()
		if err != nil && !errors.Is(err, syscall.EINTR) {
			l.s.cfg.Logger.Error("event loop", "err", os.NewSyscallError("epoll_wait", err))
			l.closeAll()
			l.drop()
			return
		}
		for _, ev := range l.events[:max(n, 0)] {
			fd := int(ev.Fd)
			switch {
			case fd == l.wake[0]:
				if !l.woken() {
					return
				}
			case l.conns[fd] != nil:
				l.fromClient(l.conns[fd])
			case l.dynos[fd] != nil:
				l.fromDyno(l.dynos[fd])
			}
		}
		if now := time.Now(); now.Sub(l.lastScan) >= scanEvery {
			l.lastScan = now
			full := now.Sub(l.lastFull) >= time.Second
			if full {
				l.lastFull = now
			}
			l.scan(now, full)
		}
	}
}

// loopNice is the nice value of a loop's thread. A loop is one thread serving every app's
// requests; at the default weight the kernel gives it one thread's share of the CPU against
// the dynos and the clients, and at 10,000 req/s (40 % of what it can do on two cores) its
// requests waited 1.1 ms at the median against 0.3 ms at -5 (bench/README.md, "Seventh
// pass"). Only the loop's thread has it (see run).
const loopNice = -5

// busyWait is how long a loop waits for events without letting go of its P (see wait), and
// how often at most it lets other goroutines run while it is busy.
const busyWait = time.Millisecond

// wait returns the ready events. While connections are busy it polls through RawSyscall,
// which keeps the loop's P: an ordinary system call that blocks lets the scheduler hand the
// P to another thread, and getting one back on waking costs a thread switch per wake-up
// (the difference between an event loop that beats nginx and one that does not, on two
// cores). So that other goroutines still run, it yields at least every busyWait; after
// busyWait without events it blocks in an ordinary system call, which frees the P for as
// long as the loop is idle.
func (l *loop) wait() (int, error) {
	if now := time.Now(); now.Sub(l.yielded) >= busyWait {
		runtime.Gosched()
		l.yielded = now
	}
	r, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.ep), uintptr(unsafe.Pointer(&l.events[0])),
		uintptr(len(l.events)), uintptr(busyWait/time.Millisecond), 0, 0)
	if e != 0 || r > 0 {
		return int(r), errnoErr(e)
	}
	idle := time.Second
	if len(l.waiting) > 0 {
		idle = scanEvery
	}
	return syscall.EpollWait(l.ep, l.events, int(idle/time.Millisecond))
}

// errnoErr returns e as an error, nil for 0.
func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// sockRead and sockWrite are read(2) and write(2) on a loop's sockets, which are
// non-blocking: they never block, so they go through RawSyscall and keep the loop's P.
func sockRead(fd int, p []byte) (int, error) { return rawRW(syscall.SYS_READ, fd, p) }

func sockWrite(fd int, p []byte) (int, error) { return rawRW(syscall.SYS_WRITE, fd, p) }

// rawRW is read(2) or write(2) (trap) of p on fd through RawSyscall.
func rawRW(trap uintptr, fd int, p []byte) (int, error) {
	r, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if e != 0 {
		return -1, e
	}
	return int(r), nil
}

// woken drains the wake-up pipe, takes the connections posted, and reports false when the
// loop is to end (it closed everything).
func (l *loop) woken() bool {
	var b [64]byte
	for {
		if n, _ := syscall.Read(l.wake[0], b[:]); n < len(b) {
			break
		}
	}
	l.mu.Lock()
	in, done := l.inbox, l.done
	l.inbox = nil
	l.mu.Unlock()
	if done {
		for _, c := range in {
			syscall.Close(c.fd)
			l.s.remove(c)
		}
		l.closeAll()
		return false
	}
	now := time.Now()
	for _, c := range in {
		if err := l.watch(c.fd); err != nil {
			syscall.Close(c.fd)
			l.s.remove(c)
			continue
		}
		l.conns[c.fd] = c
		c.since = now
		// Registering reports data already there, if any.
	}
	if l.s.closed.Load() {
		l.scan(now, true) // Shutdown or Close marked connections
	}
	return true
}

// scan ends the waits for dynos that are past clientWatchDelay and, when full, the idle
// connections past their time and the connections Shutdown or Close marked.
func (l *loop) scan(now time.Time, full bool) {
	killed := l.s.killed.Load()
	for c := range l.waiting {
		if killed {
			l.closeClient(c)
		} else if now.Sub(c.x.Start) >= min(clientWatchDelay, c.cfg.ResponseTimeout) {
			l.leaveSent(c) // slow dyno: the goroutine code watches the client meanwhile
		}
	}
	if !full {
		return
	}
	for _, c := range l.conns {
		if c.bc != nil {
			continue
		}
		switch {
		case killed || c.state.Load() == connClosing:
			l.closeClient(c)
		case c.in.r == c.in.w && now.Sub(c.since) >= c.cfg.IdleTimeout:
			l.closeClient(c)
		case !c.headStart.IsZero() && now.Sub(c.headStart) >= c.cfg.ResponseTimeout:
			l.closeClient(c)
		}
	}
	for u, p := range l.pools {
		keep := p[:0]
		for _, bc := range p {
			if killed || now.Sub(bc.idleSince) >= IdleConnTimeout {
				l.closeDyno(bc)
				continue
			}
			keep = append(keep, bc)
		}
		clear(p[len(keep):])
		if l.pools[u] = keep; len(keep) == 0 {
			delete(l.pools, u)
		}
	}
}

// closeAll closes every connection the loop owns.
func (l *loop) closeAll() {
	for _, c := range l.conns {
		l.closeClient(c)
	}
	for _, bc := range l.dynos {
		l.closeDyno(bc)
	}
	l.pools = map[Backend][]*backendConn{}
}

// drop forgets, after a failure of the loop itself, the connections posted to it.
func (l *loop) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
	for _, c := range l.inbox {
		syscall.Close(c.fd)
		l.s.remove(c)
	}
	l.inbox = nil
}

// closeClient closes a client connection, and the dyno connection of its request if any.
func (l *loop) closeClient(c *frontConn) {
	if bc := c.bc; bc != nil {
		delete(l.waiting, c)
		l.closeDyno(bc)
		c.bc = nil
		c.u.Release()
		c.u = nil
		c.rt = nil
	}
	if c.fd >= 0 {
		delete(l.conns, c.fd)
		syscall.Close(c.fd) // the loop's is the socket's only descriptor: closing removes it from the epoll
		c.fd = -1
	}
	l.s.remove(c)
}

// closeDyno closes a dyno connection.
func (l *loop) closeDyno(bc *backendConn) {
	if bc.fd >= 0 {
		delete(l.dynos, bc.fd)
		syscall.Close(bc.fd)
		bc.fd = -1
	}
}

// fromClient reads what the client sent, and serves the request once its head is whole.
func (l *loop) fromClient(c *frontConn) {
	if c.bc != nil {
		c.more = true // the request in flight comes first
		return
	}
	l.readClient(c)
}

// readClient reads the next request head, without waiting, and serves it once whole.
func (l *loop) readClient(c *frontConn) {
	for {
		if i := bytes.Index(c.in.buffered(), []byte("\r\n\r\n")); i >= 0 {
			c.headStart = time.Time{}
			l.request(c, i+4)
			return
		}
		if c.state.Load() == connClosing {
			l.closeClient(c)
			return
		}
		if !c.in.room(maxFastHead) {
			l.leave(c, func() { // too big for the fast path: the slow path's
				if c.serveRequest(-1) {
					c.serve()
				}
			})
			return
		}
		m, err := sockRead(c.fd, c.in.b[c.in.w:])
		switch {
		case m > 0:
			if !c.state.CompareAndSwap(connIdle, connActive) && !c.state.CompareAndSwap(connNew, connActive) &&
				c.state.Load() != connActive {
				l.closeClient(c) // Shutdown closed it
				return
			}
			if c.headStart.IsZero() {
				c.headStart = time.Now()
			}
			c.more = c.in.w+m == len(c.in.b)
			c.in.w += m
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			c.more = false
			return
		default:
			l.closeClient(c) // end of file or an error
			return
		}
	}
}

// request serves the request whose head of length n is buffered, or hands it to a
// goroutine when it is not the loop's kind.
func (l *loop) request(c *frontConn, n int) {
	if !c.fast(n) {
		l.leave(c, func() {
			if c.serveRequest(n) {
				c.serve()
			}
		})
		return
	}
	c.n = n
	c.begin()
	x := &c.x
	u := c.cfg.Routes.Pick(c.rt, nil)
	if u == nil { // no dyno to try: the goroutine code answers with the page
		l.leave(c, func() { c.afterLoop(c.proxy(n)) })
		return
	}
	x.Dyno, _ = u.Target()
	x.RTStart, x.Connect = time.Now(), 0
	// From here u stays picked until the request is done, on the loop or not: a dyno being
	// drained waits for the request instead of leaving it a route with no dyno.
	bc := l.idleDyno(u)
	if bc == nil { // no idle connection to the dyno: the goroutine code dials it
		l.leave(c, func() { c.afterLoop(c.end(c.roundTrip(x, u, nil))) })
		return
	}
	bc.sentReused, bc.sentBase = true, bc.nread
	if !writeFull(bc.fd, c.fwd) {
		// A dyno connection that takes less than a request head at once is unusual;
		// nothing the dyno could act on was sent, so the goroutine code sends it again.
		l.closeDyno(bc)
		l.leave(c, func() { c.afterLoop(c.end(c.roundTrip(x, u, nil))) })
		return
	}
	c.u, c.bc, bc.fc = u, bc, c
	l.waiting[c] = struct{}{}
}

// afterLoop ends, on a goroutine, a request a loop handed over (keep: the connection stays
// open), and serves the connection's next requests.
func (c *frontConn) afterLoop(keep bool) {
	if c.next(c.n, keep) {
		c.serve()
	}
}

// idleDyno returns an idle connection to u the loop can use, taking one from u's shared
// pool when the loop has none, or nil.
func (l *loop) idleDyno(u Backend) *backendConn {
	for p := l.pools[u]; len(p) > 0; p = l.pools[u] {
		bc := p[len(p)-1]
		p[len(p)-1] = nil
		l.pools[u] = p[:len(p)-1]
		// As Pool.get: one idle for a while may have been closed by the dyno just now,
		// its end of file not yet seen by the loop.
		if time.Since(bc.idleSince) < staleCheckAfter || quiet(bc.fd) {
			return bc
		}
		l.closeDyno(bc)
	}
	bc := u.Conns().get()
	if bc == nil {
		return nil
	}
	fd, err := takeFD(bc.conn)
	if err == nil {
		err = l.watch(fd)
		if err != nil {
			syscall.Close(fd)
		}
	}
	bc.conn.Close()
	if err != nil {
		return nil
	}
	bc.conn, bc.raw, bc.fd, bc.owner, bc.rd = nil, nil, fd, u, lazyDeadline{}
	l.dynos[fd] = bc
	return bc
}

// fromDyno reads what a dyno sent and, once the response is whole, writes it to the client.
func (l *loop) fromDyno(bc *backendConn) {
	c := bc.fc
	if c == nil { // idle: unless the event is stale, the dyno closed it or sent what nobody asked for
		if !quiet(bc.fd) {
			l.dropIdle(bc)
		}
		return
	}
	for {
		if !bc.room(len(bc.b)) {
			l.leaveSent(c)
			return
		}
		m, err := sockRead(bc.fd, bc.b[bc.w:])
		if m > 0 {
			bc.w += m
			bc.nread += int64(m)
			if bc.w < len(bc.b) {
				break
			}
			continue
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EAGAIN) {
			break
		}
		l.leaveSent(c) // end of file or an error: the goroutine code reads it again and decides
		return
	}
	n := headEnd(bc.buffered())
	if n < 0 {
		return
	}
	total := -1
	if parseResponseHead(bc.buffered()[:n], string(c.req.method) == http.MethodHead, &c.res) == nil && c.res.status >= 200 {
		switch {
		case c.res.framing == bodyNone: // HEAD, 204, 304
			total = n
		case c.res.framing == bodyLength && int64(n)+c.res.length <= int64(len(bc.b)):
			total = n + int(c.res.length)
		}
	}
	if total < 0 {
		l.leaveSent(c) // 1xx, errors, chunked or close-delimited bodies, large bodies
		return
	}
	if len(bc.buffered()) < total {
		return // the rest of the body is on its way
	}
	l.respond(c, bc, n, total)
}

// respond writes the whole response buffered in bc (head n bytes, total in all) to c's
// client and readies c for its next request.
func (l *loop) respond(c *frontConn, bc *backendConn, n, total int) {
	x := &c.x
	x.Status = c.res.status
	c.resN = n
	c.out = c.appendResponseHead(c.out[:0], x, c.req.close)
	c.out = append(c.out, bc.buffered()[n:total]...)
	x.Bytes += int64(total - n)
	bc.r += total
	delete(l.waiting, c)
	c.bc, bc.fc = nil, nil
	if !c.res.close && bc.r == bc.w {
		l.putIdle(c.u, bc)
	} else {
		l.closeDyno(bc)
	}
	c.u.Release()
	c.u = nil

	w, err := writeSome(c.fd, c.out)
	switch {
	case err != nil:
		x.Code = codeH27
		c.out = c.out[:0]
		c.end(false)
		l.closeClient(c)
		return
	case w < len(c.out):
		l.leave(c, func() { // a slow reader: the goroutine code waits for it
			err := c.write(c.out[w:])
			c.out = c.out[:0]
			if err != nil {
				x.Code = codeH27
			}
			c.afterLoop(c.end(err == nil && !c.req.close))
		})
		return
	}
	c.out = c.out[:0]
	loopServed.Add(1)
	if !c.end(!c.req.close) || l.s.closed.Load() {
		l.closeClient(c)
		return
	}
	c.in.r += c.n
	c.release()
	if c.in.r != c.in.w || c.more {
		l.readClient(c) // pipelined, or more arrived meanwhile
		return
	}
	c.since = time.Now()
	if !c.state.CompareAndSwap(connActive, connIdle) && c.state.Load() == connClosing {
		l.closeClient(c)
	}
}

// putIdle keeps bc in the loop's pool for u.
func (l *loop) putIdle(u Backend, bc *backendConn) {
	bc.idleSince = time.Now()
	p := l.pools[u]
	if len(p) >= l.s.cfg.MaxIdleConnsPerBackend {
		l.closeDyno(bc)
		return
	}
	l.pools[u] = append(p, bc)
}

// dropIdle closes an idle dyno connection and takes it out of its pool.
func (l *loop) dropIdle(bc *backendConn) {
	p := l.pools[bc.owner]
	for i, x := range p {
		if x == bc {
			p = append(p[:i], p[i+1:]...)
			p = p[:len(p):len(p)]
			break
		}
	}
	if len(p) == 0 {
		delete(l.pools, bc.owner)
	} else {
		l.pools[bc.owner] = p
	}
	l.closeDyno(bc)
}

// leave gives c back to Go's poller and runs then on a goroutine.
func (l *loop) leave(c *frontConn, then func()) {
	delete(l.conns, c.fd)
	l.unwatch(c.fd)
	conn, err := fdConn(c.fd) // closes c.fd
	c.fd = -1
	if err != nil {
		l.s.cfg.Logger.Warn("event loop hand-off", "err", err)
		c.rt = nil
		l.s.remove(c)
		return
	}
	l.s.mu.Lock()
	c.conn = conn
	l.s.mu.Unlock()
	go then()
}

// leaveSent gives c and the dyno connection its request was sent over back to Go's poller;
// a goroutine goes on from waiting for the response.
func (l *loop) leaveSent(c *frontConn) {
	bc, u := c.bc, c.u
	delete(l.waiting, c)
	delete(l.dynos, bc.fd)
	l.unwatch(bc.fd)
	conn, err := fdConn(bc.fd) // closes bc.fd
	bc.fd = -1
	c.bc, c.u, bc.fc = nil, nil, nil
	if err != nil {
		l.s.cfg.Logger.Warn("event loop hand-off", "err", err)
		u.Release()
		c.x.Code = codeH13
		c.end(false)
		l.closeClient(c)
		return
	}
	bc.conn, bc.raw = conn, rawConn(conn)
	bc.rd = lazyDeadline{}
	l.leave(c, func() { c.afterLoop(c.end(c.roundTrip(&c.x, u, bc))) })
}

// writeFull writes p to a non-blocking socket at once, and reports whether all of it went.
func writeFull(fd int, p []byte) bool {
	n, err := writeSome(fd, p)
	return err == nil && n == len(p)
}

// writeSome writes what of p a non-blocking socket takes now.
func writeSome(fd int, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := sockWrite(fd, p[n:])
		if m > 0 {
			n += m
		}
		switch {
		case err == nil:
		case errors.Is(err, syscall.EINTR):
		case errors.Is(err, syscall.EAGAIN):
			return n, nil
		default:
			return n, err
		}
	}
	return n, nil
}

// loopCount is how many event loops a Server runs: one for every two CPUs, and no more
// than GOMAXPROCS. A loop thread shares the machine with the dynos it proxies to: on two
// cores, one loop served more requests than nginx's two workers with a third of their p99,
// and two loops as many requests with twice nginx's p99, each loop's thread preempted with
// its connections while the other ran (bench/README.md, "Seventh pass").
func loopCount() int { return max(1, min(runtime.GOMAXPROCS(0), runtime.NumCPU()/2)) }
