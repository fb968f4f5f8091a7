package main

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// benchRestart deploys n apps (testdata/apps/procfile-hello), runs two clients per app
// against the router (one keeping its connection alive, one opening a connection per
// request), restarts the server (SIGTERM, wait for its exit, start it again) and reports
// what the clients saw.
func benchRestart(runtime string, n int) error {
	s, err := start(runtime, machineCacheArgs()...)
	if err != nil {
		return err
	}
	defer s.stopApps(n)
	dir, err := s.sampleRepo("procfile-hello")
	if err != nil {
		return err
	}
	for i := range n {
		app := fmt.Sprintf("app%d", i)
		if out, err := s.bera("apps:create", app); err != nil {
			return fmt.Errorf("apps:create: %v %s", err, out)
		}
		if err := s.git(dir, "push", "-q", "http://"+s.api+"/"+app+".git", "main"); err != nil {
			return err
		}
	}
	for i := range n {
		if err := s.waitBody(fmt.Sprintf("app%d", i), "hello from procfile", time.Minute); err != nil {
			return err
		}
	}
	before := s.containers()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]*clientResult, 0, 2*n)
	for i := range n {
		for _, keepAlive := range []bool{true, false} {
			r := &clientResult{app: fmt.Sprintf("app%d", i), keepAlive: keepAlive}
			results = append(results, r)
			wg.Add(1)
			go func() { defer wg.Done(); r.run(s.router, stop) }()
		}
	}
	time.Sleep(3 * time.Second)
	t0 := time.Now()
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
	exited := time.Since(t0)
	if err := s.launch(); err != nil {
		return err
	}
	time.Sleep(5 * time.Second)
	close(stop)
	wg.Wait()
	after := s.containers()

	var reqs, fails int
	var gap time.Duration
	var firstErrs []string
	for _, r := range results {
		reqs += r.ok + r.failed
		fails += r.failed
		gap = max(gap, r.gap)
		if len(firstErrs) < 5 && r.firstErr != "" {
			firstErrs = append(firstErrs, fmt.Sprintf("%s (keep-alive %v): %s", r.app, r.keepAlive, r.firstErr))
		}
	}
	fmt.Printf("| apps | requests | failed | longest gap between answers | SIGTERM→exit | dynos kept (same ids) |\n|---|---|---|---|---|---|\n")
	fmt.Printf("| %d | %d | %d | %s | %s | %v (%d before, %d after) |\n", n, reqs, fails, gap.Round(time.Millisecond),
		exited.Round(time.Millisecond), slices.Equal(before, after), len(before), len(after))
	for _, e := range firstErrs {
		fmt.Println("  first failure:", e)
	}
	return nil
}

// clientResult is what one client saw.
type clientResult struct {
	app       string
	keepAlive bool
	ok        int
	failed    int
	gap       time.Duration // longest time between two successful answers
	firstErr  string
}

func (r *clientResult) run(router string, stop <-chan struct{}) {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: !r.keepAlive}}
	last := time.Now()
	for {
		select {
		case <-stop:
			return
		default:
		}
		req, _ := http.NewRequest("GET", "http://"+router+"/", nil)
		req.Host = r.app + ".localhost"
		resp, err := c.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d: %.80s", resp.StatusCode, body)
			}
		}
		if err != nil {
			r.failed++
			if r.firstErr == "" {
				r.firstErr = err.Error()
			}
			time.Sleep(5 * time.Millisecond)
			continue
		}
		r.ok++
		r.gap = max(r.gap, time.Since(last))
		last = time.Now()
		time.Sleep(5 * time.Millisecond)
	}
}

// waitBody polls the router until app answers 200 with want in the body.
func (s *server) waitBody(app, want string, wait time.Duration) error {
	for t0 := time.Now(); time.Since(t0) < wait; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", "http://"+s.router+"/", nil)
		req.Host = app + ".localhost"
		if resp, err := http.DefaultClient.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(string(body), want) {
				return nil
			}
		}
	}
	return fmt.Errorf("%s: no 200 with %q", app, want)
}

// containers lists the running runc containers of the server's data dir.
func (s *server) containers() []string {
	out, _ := exec.Command("runc", "--root", filepath.Join(s.dir, "data", "runc", "state"), "list", "-q").Output()
	ids := strings.Fields(string(out))
	slices.Sort(ids)
	return ids
}

// stopApps scales every app to 0 and stops the server.
func (s *server) stopApps(n int) {
	for i := range n {
		s.bera("ps:scale", "web=0", "-a", fmt.Sprintf("app%d", i))
	}
	s.stop()
}
