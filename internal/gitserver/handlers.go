package gitserver

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/gitserver/pktline"
	"github.com/kingvon-ke/bera/internal/slug"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// gitError answers a git client: 401 asks for credentials, other errors are plain text.
func (s *Server) gitError(w http.ResponseWriter, err error) {
	switch bera.ErrorCode(err) {
	case bera.EUnauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="Bera"`)
		http.Error(w, bera.ErrorMessage(err), http.StatusUnauthorized)
	case bera.ENotFound:
		http.Error(w, "Couldn't find that app, or you do not have access to it.", http.StatusNotFound)
	case bera.EForbidden:
		http.Error(w, bera.ErrorMessage(err), http.StatusForbidden)
	case bera.ERateLimit:
		http.Error(w, bera.ErrorMessage(err), http.StatusTooManyRequests)
	default:
		s.log.Error("git request failed", "err", err)
		http.Error(w, "Internal server error.", http.StatusInternalServerError)
	}
}

// access authenticates the request and resolves /{repo} ("APP.git") to an app.
func (s *Server) access(r *http.Request) (*bera.App, *bera.User, error) {
	name, ok := strings.CutSuffix(r.PathValue("repo"), ".git")
	if !ok {
		return nil, nil, bera.NotFound("app")
	}
	user, err := s.cfg.Authenticate(r)
	if err != nil {
		return nil, nil, err
	}
	app, err := s.cfg.App(r.Context(), name, user)
	if err != nil {
		return nil, nil, err
	}
	return app, user, nil
}

func service(r *http.Request) (string, bool) {
	switch svc := r.URL.Query().Get("service"); svc {
	case "git-receive-pack", "git-upload-pack":
		return strings.TrimPrefix(svc, "git-"), true
	}
	return "", false
}

func (s *Server) handleInfoRefs(w http.ResponseWriter, r *http.Request) {
	svc, ok := service(r)
	if !ok {
		http.Error(w, "Only the smart HTTP protocol is supported: ?service=git-receive-pack or git-upload-pack.", http.StatusForbidden)
		return
	}
	app, _, err := s.access(r)
	if err != nil {
		s.gitError(w, err)
		return
	}
	repo, err := s.repoPath(r.Context(), app)
	if err != nil {
		s.gitError(w, err)
		return
	}
	out, err := exec.CommandContext(r.Context(), "git", svc, "--stateless-rpc", "--advertise-refs", repo).Output()
	if err != nil {
		s.gitError(w, fmt.Errorf("git %s --advertise-refs: %w", svc, err))
		return
	}
	w.Header().Set("Content-Type", "application/x-git-"+svc+"-advertisement")
	w.Header().Set("Cache-Control", "no-cache")
	pw := pktline.NewWriter(w)
	pw.WriteString("# service=git-" + svc + "\n")
	pw.Flush()
	w.Write(out)
}

// handleRPC runs receive-pack or upload-pack with the request body as its input.
func (s *Server) handleRPC(svc string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, user, err := s.access(r)
		if err != nil {
			s.gitError(w, err)
			return
		}
		repo, err := s.repoPath(r.Context(), app)
		if err != nil {
			s.gitError(w, err)
			return
		}
		body := io.Reader(r.Body)
		if r.Header.Get("Content-Encoding") == "gzip" {
			gz, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, "Bad gzip body.", http.StatusBadRequest)
				return
			}
			defer gz.Close()
			body = gz
		}
		cmd := exec.CommandContext(r.Context(), "git", svc, "--stateless-rpc", repo)
		cmd.Stdin = body
		cmd.Env = append(os.Environ(), "GIT_PROTOCOL="+r.Header.Get("Git-Protocol"))
		if svc == "receive-pack" {
			token, forget := s.register(&push{app: app, user: user, repo: repo, ctx: r.Context()})
			defer forget()
			cmd.Env = append(cmd.Env, "BERA_BIN="+s.cfg.HookBin, "BERA_HOOK_URL="+s.cfg.HookURL+"/internal/git-hook", "BERA_HOOK_TOKEN="+token)
		}
		w.Header().Set("Content-Type", "application/x-git-"+svc+"-result")
		w.Header().Set("Cache-Control", "no-cache")
		cmd.Stdout = flushWriter{w}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			s.log.Warn("git "+svc+" failed", "app", app.Name, "err", err, "stderr", stderr.String())
		}
	}
}

// flushWriter flushes after each write, so sideband progress and build output reach the
// client live.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	http.NewResponseController(f.w).Flush()
	return n, err
}

// HookRequest is what `bera git-hook pre-receive` sends: the pushed refs and the quarantine
// object directories git gives the hook, which hold the new objects until the hook succeeds.
type HookRequest struct {
	Token string            `json:"token"`
	Refs  []RefUpdate       `json:"refs"`
	Env   map[string]string `json:"env"`
}

// RefUpdate is one line of pre-receive input.
type RefUpdate struct {
	Old, New, Ref string
}

// ExitMarker starts the last line of a hook response: "\x00bera-exit N".
const ExitMarker = "\x00bera-exit "

// quarantineEnv are the variables git sets for hooks that a later git command needs to read
// the pushed objects.
var quarantineEnv = []string{"GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_QUARANTINE_PATH"}

// handleHook deploys the pushed commit and streams the output back to the hook, ending with
// the exit code the hook must return.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request) {
	var req HookRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		http.Error(w, "bad hook request", http.StatusBadRequest)
		return
	}
	p := s.lookup(req.Token)
	if p == nil {
		http.Error(w, "unknown push", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	out := flushWriter{w}
	code := s.runHook(p, req, out)
	fmt.Fprintf(w, "%s%d\n", ExitMarker, code)
}

func (s *Server) runHook(p *push, req HookRequest, out io.Writer) int {
	ref, err := deployableRef(req.Refs)
	if err != nil {
		fmt.Fprintln(out, bera.ErrorMessage(err))
		return 1
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), hookTimeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "bera-src-")
	if err != nil {
		fmt.Fprintln(out, "Internal error preparing the source.")
		return 1
	}
	defer os.RemoveAll(dir)
	if err := s.export(ctx, p.repo, ref.New, req.Env, dir); err != nil {
		return s.exportFailed(p, err, out)
	}
	if err := s.cfg.Deployer.Deploy(ctx, p.app, p.user, bera.Source{Dir: dir, Commit: ref.New, Ref: ref.Ref}, out); err != nil {
		fmt.Fprintf(out, "\n !     Push rejected: %s\n", bera.ErrorMessage(err))
		if bera.ErrorCode(err) == bera.EInternal {
			s.log.Error("deploy failed", "app", p.app.Name, "err", err)
		}
		return 1
	}
	return 0
}

// deployableRef returns the update of main or master. Deleting it, pushing other branches or
// tags, or pushing both at once is refused.
func deployableRef(refs []RefUpdate) (RefUpdate, error) {
	var found []RefUpdate
	for _, u := range refs {
		if u.Ref != "refs/heads/main" && u.Ref != "refs/heads/master" {
			return u, bera.Errorf(bera.EInvalid, "Pushed to %s: only main or master deploy. Use `git push bera %s:main` to deploy this branch.", u.Ref, strings.TrimPrefix(u.Ref, "refs/heads/"))
		}
		if strings.Trim(u.New, "0") == "" {
			return u, bera.Errorf(bera.EInvalid, "Deleting %s is not allowed: it is the deployed branch.", u.Ref)
		}
		found = append(found, u)
	}
	if len(found) != 1 {
		return RefUpdate{}, bera.Errorf(bera.EInvalid, "Push exactly one of main or master.")
	}
	return found[0], nil
}

// export writes the tree of commit into dir, reading the pushed objects from the hook's
// quarantine. The tree is hostile: `git archive` streams it to slug.Extract, which refuses
// names leaving dir, links that resolve outside it (see package srctree) and special files,
// so a push cannot plant anything outside dir nor a link the server could follow out.
func (s *Server) export(ctx context.Context, repo, commit string, hookEnv map[string]string, dir string) error {
	archive := exec.CommandContext(ctx, "git", "--git-dir", repo, "archive", "--format=tar", commit)
	archive.Env = os.Environ()
	for _, k := range quarantineEnv {
		if v, ok := hookEnv[k]; ok {
			archive.Env = append(archive.Env, k+"="+v)
		}
	}
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	var errs strings.Builder
	archive.Stderr = &errs
	if err := archive.Start(); err != nil {
		return err
	}
	if err := slug.Extract(ctx, pipe, dir, slug.DefaultLimits); err != nil {
		archive.Process.Kill()
		archive.Wait()
		return fmt.Errorf("export %s: %w", commit, err)
	}
	io.Copy(io.Discard, pipe) // the padding after the archive's end, so git can exit
	if err := archive.Wait(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, errs.String())
	}
	return nil
}

// exportFailed tells the pusher why the pushed tree was refused (a link leaving it is named)
// and returns the hook's exit code.
func (s *Server) exportFailed(p *push, err error, out io.Writer) int {
	var te *srctree.Error
	switch {
	case errors.As(err, &te):
		fmt.Fprintf(out, "\n !     Push rejected: %s\n", te.Error())
	case errors.Is(err, slug.ErrUnsafe):
		fmt.Fprintln(out, "\n !     Push rejected: the pushed tree has an entry that cannot be checked out safely (a name leaving the tree or a special file).")
	case errors.Is(err, slug.ErrTooLarge):
		fmt.Fprintln(out, "\n !     Push rejected: the pushed tree is larger than this server accepts.")
	default:
		s.log.Error("export pushed commit", "app", p.app.Name, "err", err)
		fmt.Fprintln(out, "Internal error reading the pushed commit.")
	}
	return 1
}

// ReadHookResponse copies a hook response to out and returns the exit code it ends with.
func ReadHookResponse(body io.Reader, out io.Writer) int {
	br := bufio.NewReader(body)
	for {
		line, err := br.ReadString('\n')
		if code, ok := strings.CutPrefix(line, ExitMarker); ok {
			var n int
			fmt.Sscanf(code, "%d", &n)
			return n
		}
		io.WriteString(out, line)
		if err != nil {
			fmt.Fprintln(out, "Connection to the Bera server was lost during the deploy.")
			return 1
		}
	}
}
