// Package gitserver serves apps' git repositories over the smart HTTP protocol at /APP.git,
// shelling out to native `git receive-pack|upload-pack --stateless-rpc` (no Go git
// implementation). A push to main or master deploys: the repository's pre-receive hook calls
// back into the server, which builds the pushed commit and streams the output to the pusher
// as `remote:` lines; a failed deploy makes the hook, and so the push, fail.
package gitserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
)

// Config configures a Server.
type Config struct {
	// ReposDir holds one bare repository per app, named by app id.
	ReposDir string
	// Authenticate returns the caller of a request (API key as Basic password or Bearer), or
	// an error with code bera.EUnauthorized.
	Authenticate func(r *http.Request) (*bera.User, error)
	// App returns the app if user may push to it; bera.ENotFound otherwise.
	App func(ctx context.Context, name string, user *bera.User) (*bera.App, error)
	// Deployer runs deploys for pushes to main/master.
	Deployer bera.Deployer
	// HookURL is the base URL the pre-receive hook calls back (the API listener).
	HookURL string
	// HookBin is the bera binary the hook runs (`bera git-hook pre-receive`).
	HookBin string
	Logger  *slog.Logger
}

// Server is the git smart-HTTP handler.
type Server struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex // guards pushes
	pushes map[string]*push
}

// push is a receive-pack in progress, found again by the hook through its token.
type push struct {
	app  *bera.App
	user *bera.User
	repo string
	ctx  context.Context
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Server{cfg: cfg, log: cfg.Logger.With("component", "git"), pushes: map[string]*push{}}
}

// Register adds the git routes to mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{repo}/info/refs", s.handleInfoRefs)
	mux.HandleFunc("POST /{repo}/git-receive-pack", s.handleRPC("receive-pack"))
	mux.HandleFunc("POST /{repo}/git-upload-pack", s.handleRPC("upload-pack"))
	mux.HandleFunc("POST /internal/git-hook", s.handleHook)
}

// repoPath returns the bare repository of an app, creating it with the hook on first use.
func (s *Server) repoPath(ctx context.Context, app *bera.App) (string, error) {
	dir := filepath.Join(s.cfg.ReposDir, app.ID+".git")
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(s.cfg.ReposDir, 0o700); err != nil {
		return "", err
	}
	if out, err := exec.CommandContext(ctx, "git", "init", "--bare", "--quiet", "--initial-branch=main", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("git init %s: %v: %s", dir, err, out)
	}
	hook := "#!/bin/sh\nexec \"$BERA_BIN\" git-hook pre-receive\n"
	if err := os.WriteFile(filepath.Join(dir, "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

func newToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// register remembers a push for the hook; the returned func forgets it.
func (s *Server) register(p *push) (string, func()) {
	token := newToken()
	s.mu.Lock()
	s.pushes[token] = p
	s.mu.Unlock()
	return token, func() {
		s.mu.Lock()
		delete(s.pushes, token)
		s.mu.Unlock()
	}
}

func (s *Server) lookup(token string) *push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushes[token]
}

// hookTimeout bounds one deploy started by a push.
const hookTimeout = 30 * time.Minute
