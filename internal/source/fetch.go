package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
)

// Fetcher fetches source trees from Git URLs and tarball URLs under a Policy, with a time
// limit and a size cap. The zero value uses the defaults.
type Fetcher struct {
	Policy Policy
	// Timeout bounds one clone or download (default 5 minutes).
	Timeout time.Duration
	// MaxBytes caps a clone on disk and a tarball, compressed and extracted (default 1 GiB).
	MaxBytes int64
}

func (f *Fetcher) timeout() time.Duration {
	if f.Timeout <= 0 {
		return 5 * time.Minute
	}
	return f.Timeout
}

func (f *Fetcher) maxBytes() int64 {
	if f.MaxBytes <= 0 {
		return 1 << 30
	}
	return f.MaxBytes
}

// gitEnv keeps git from prompting, from reading the host's or user's configuration (which
// could rewrite URLs or set proxies), from any proxy exceptions (NO_PROXY) and from following
// the remote to other transports.
func gitEnv(home string) []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=/bin/false",
		"SSH_ASKPASS=/bin/false", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_ALLOW_PROTOCOL=" + strings.Join(fetchableSchemes, ":"), "GIT_PROTOCOL_FROM_USER=0",
		"NO_PROXY=", "no_proxy=", "GIT_LFS_SKIP_SMUDGE=1", "LC_ALL=C"}
}

// gitSafety are options for every git command that talks to a remote.
var gitSafety = []string{"-c", "http.followRedirects=false", "-c", "credential.helper=", "-c", "core.askPass=/bin/false",
	"-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.http.allow=always", "-c", "protocol.git.allow=always"}

// git runs one git command in dir, with opts (-c options) before it, and returns its
// stderr as part of any error.
func git(ctx context.Context, dir string, opts []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", slices.Concat(gitSafety, opts, args)...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &gitError{args: args, err: err, stderr: stderr.String()}
	}
	return strings.TrimSpace(stdout.String()), nil
}

// gitError is a failed git command with what it printed.
type gitError struct {
	args   []string
	err    error
	stderr string
}

func (e *gitError) Error() string {
	return fmt.Sprintf("git %s: %v: %s", e.args[0], e.err, strings.TrimSpace(e.stderr))
}

func (e *gitError) Unwrap() error { return e.err }

// Clone fetches ref (a branch, a tag, a full commit id, or "" for the default branch) of the
// repository at rawURL into dir, which must not exist, as a shallow clone (a full one from
// a "dumb" HTTP server, which cannot do shallow), and returns the commit it checked out.
// The .git directory is removed. Errors a user can act on (unreachable URL, a private
// address, missing branch, repository needing credentials, too large) are EInvalid.
func (f *Fetcher) Clone(ctx context.Context, rawURL, ref, dir string) (string, error) {
	u, err := f.Policy.CheckURL(rawURL)
	if err != nil {
		return "", err
	}
	if ref != "" {
		if err := CheckRef(ref); err != nil {
			return "", err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	ctx, stop := f.capSize(ctx, dir)
	defer stop()
	r, err := f.openRemote(ctx, u)
	if err != nil {
		return "", err
	}
	defer r.close()
	commit, err := r.clone(ctx, ref, dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", f.explain(ctx, r, rawURL, ref, err)
	}
	if err := os.RemoveAll(filepath.Join(dir, ".git")); err != nil {
		return "", err
	}
	return commit, nil
}

// dumbHTTP is how git refuses a shallow clone from a server without the smart protocol.
const dumbHTTP = "dumb http transport does not support shallow capabilities"

func (r *remote) clone(ctx context.Context, ref, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if isCommit(ref) {
		return r.fetchCommit(ctx, ref, dir)
	}
	args := []string{"clone", "--quiet", "--single-branch", "--no-tags"}
	if ref != "" {
		args = append(args, "--branch", ref)
	}
	_, err := git(ctx, dir, r.opts, slices.Concat(args, []string{"--depth", "1", "--", r.url, "."})...)
	if isDumbHTTP(err) {
		if err = emptyDir(dir); err == nil {
			_, err = git(ctx, dir, r.opts, slices.Concat(args, []string{"--", r.url, "."})...)
		}
	}
	if err != nil {
		return "", err
	}
	return git(ctx, dir, nil, "rev-parse", "HEAD")
}

// fetchCommit fetches one commit by id (servers allow this under protocol v2, GitHub too;
// a dumb HTTP server walks to it from the id).
func (r *remote) fetchCommit(ctx context.Context, sha, dir string) (string, error) {
	if _, err := git(ctx, dir, nil, "init", "--quiet"); err != nil {
		return "", err
	}
	_, err := git(ctx, dir, r.opts, "fetch", "--quiet", "--depth", "1", "--no-tags", "--", r.url, sha)
	if isDumbHTTP(err) {
		_, err = git(ctx, dir, r.opts, "fetch", "--quiet", "--no-tags", "--", r.url, sha)
	}
	if err != nil {
		return "", err
	}
	if _, err := git(ctx, dir, nil, "checkout", "--quiet", "--detach", "FETCH_HEAD"); err != nil {
		return "", err
	}
	return git(ctx, dir, nil, "rev-parse", "HEAD")
}

func isDumbHTTP(err error) bool {
	var ge *gitError
	return errors.As(err, &ge) && strings.Contains(ge.stderr, dumbHTTP)
}

// emptyDir removes everything in dir, keeping dir.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// Head returns the commit at the tip of branch ("" for the default branch) in the
// repository at rawURL, without cloning it (git ls-remote).
func (f *Fetcher) Head(ctx context.Context, rawURL, branch string) (string, error) {
	u, err := f.Policy.CheckURL(rawURL)
	if err != nil {
		return "", err
	}
	ref := "HEAD"
	if branch != "" {
		if err := CheckRef(branch); err != nil {
			return "", err
		}
		ref = "refs/heads/" + branch
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	r, err := f.openRemote(ctx, u)
	if err != nil {
		return "", err
	}
	defer r.close()
	out, err := git(ctx, os.TempDir(), r.opts, "ls-remote", "--", r.url, ref)
	if err != nil {
		return "", f.explain(ctx, r, rawURL, branch, err)
	}
	sha, _, _ := strings.Cut(out, "\t")
	if !isCommit(sha) {
		return "", missingRef(rawURL, branch)
	}
	return sha, nil
}

// explain turns a failed git command into an error the user can act on.
func (f *Fetcher) explain(ctx context.Context, r *remote, rawURL, ref string, err error) error {
	if b := r.blocked(); b != nil {
		return privateURL(rawURL, b)
	}
	if errors.Is(context.Cause(ctx), errTooLarge) {
		return bera.Errorf(bera.EInvalid, "The repository at %s is larger than this server's limit of %d MB.", quoteURL(rawURL), f.maxBytes()>>20)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return bera.Errorf(bera.EInvalid, "Fetching %s took longer than %s and was stopped.", quoteURL(rawURL), f.timeout())
	}
	var ge *gitError
	if !errors.As(err, &ge) {
		return err
	}
	msg := ge.stderr
	switch {
	case containsAny(msg, "could not read Username", "could not read Password", "Authentication failed",
		"terminal prompts disabled", "returned error: 401", "returned error: 403"):
		return bera.Errorf(bera.EInvalid, "The repository at %s needs credentials: only public repositories can be deployed.", quoteURL(rawURL))
	case containsAny(msg, "Remote branch", "couldn't find remote ref", "not our ref", "unadvertised object", "reference is not a tree"):
		return missingRef(rawURL, ref)
	case containsAny(msg, "Could not resolve host", "Connection refused", "Failed to connect", "not found",
		"returned error", "unable to access", "timed out", "does not appear to be a git repository", "Couldn't connect"):
		return bera.Errorf(bera.EInvalid, "Couldn't reach a Git repository at %s: %s", quoteURL(rawURL), firstLine(msg))
	}
	return err
}

func missingRef(rawURL, ref string) error {
	return bera.Errorf(bera.EInvalid, "Couldn't find %q in the repository at %s.", ref, quoteURL(rawURL))
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// firstLine returns the first line git printed, without its "fatal: " prefix.
func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	line = strings.TrimPrefix(line, "fatal: ")
	if len(line) > 300 {
		line = line[:300]
	}
	return line
}

var errTooLarge = errors.New("source exceeds the size limit")

// capSize cancels the returned context with errTooLarge once dir holds more than MaxBytes.
// git offers no cap of its own, so a watcher measures the tree once a second.
func (f *Fetcher) capSize(ctx context.Context, dir string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if dirSize(dir) > f.maxBytes() {
					cancel(errTooLarge)
					return
				}
			}
		}
	})
	return ctx, func() { close(done); wg.Wait(); cancel(nil) }
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
