package api

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/secret"
	"golang.org/x/time/rate"
)

type keyCtx struct{}

// authenticate resolves the caller from `Authorization: Bearer KEY` or Basic auth with the
// key as password (any user name). POST /oauth/authorizations also accepts Basic
// email:password, which is how a password login gets a key. Wrong credentials count against
// the client IP; over budget, the IP gets 429 for anything but a valid key (authenticateKey).
func (s *Server) authenticate(next http.Handler) http.Handler {
	return s.adapt(func(w http.ResponseWriter, r *http.Request) error {
		user, key, err := s.authenticateKey(r)
		if err != nil {
			return err
		}
		remaining, ok := s.budgets.take(user.ID)
		w.Header().Set("RateLimit-Remaining", strconv.Itoa(remaining))
		if !ok {
			return bera.Errorf(bera.ERateLimit, "Your account reached the API rate limit. Please wait a few minutes before making new requests.")
		}
		ctx := bera.WithUser(r.Context(), user)
		ctx = context.WithValue(ctx, keyCtx{}, key)
		next.ServeHTTP(w, r.WithContext(ctx))
		return nil
	})
}

// authenticateKey checks the request's credentials. A known API key is always accepted, even
// from an address over its failure budget, so an owner is never locked out by someone else's
// guesses (API keys are random 32-byte tokens: guessing one is hopeless, and looking one up is
// one hash). An address over budget gets 429 for anything else without it being checked, so
// passwords cannot be brute-forced. Only credentials that were presented and wrong count as
// failures: a request with none (git sends one before each authenticated request) does not.
func (s *Server) authenticateKey(r *http.Request) (*bera.User, *bera.APIKey, error) {
	var token, login string
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(strings.ToLower(auth), "bearer ") {
		token = strings.TrimSpace(auth[len("bearer "):])
	} else if u, p, ok := r.BasicAuth(); ok {
		token, login = p, u
	}
	if token == "" {
		return nil, nil, bera.Errorf(bera.EUnauthorized, "You must be logged in: send an API key as a Bearer token.")
	}
	user, key, err := s.store.UserByAPIKeyHash(r.Context(), secret.HashAPIKey(token))
	if err == nil {
		return user, key, nil
	}
	if bera.ErrorCode(err) != bera.ENotFound {
		return nil, nil, err
	}
	ip := clientIP(r)
	if !s.guard.allowed(ip) {
		return nil, nil, bera.Errorf(bera.ERateLimit, "Too many failed logins from your address. Try again in a minute.")
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth/authorizations") && strings.Contains(login, "@") {
		if user, err := s.store.User(r.Context(), login); err == nil && user.PasswordHash != "" && secret.CheckPassword(user.PasswordHash, token) {
			return user, nil, nil
		}
	}
	s.guard.failed(ip)
	return nil, nil, bera.Errorf(bera.EUnauthorized, "Invalid credentials provided.")
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// callerKey returns the API key the request authenticated with (nil for password logins).
func callerKey(ctx context.Context) *bera.APIKey {
	k, _ := ctx.Value(keyCtx{}).(*bera.APIKey)
	return k
}

// loginGuard limits failed authentications per client IP.
type loginGuard struct {
	perMinute int
	mu        sync.Mutex // guards the following
	byIP      map[string]*rate.Limiter
	swept     time.Time
}

func newLoginGuard(perMinute int) *loginGuard {
	return &loginGuard{perMinute: perMinute, byIP: map[string]*rate.Limiter{}}
}

func (g *loginGuard) limiterLocked(ip string) *rate.Limiter {
	if time.Since(g.swept) > 10*time.Minute {
		// Forget IPs whose budget is full again, so the map stays small.
		for k, l := range g.byIP {
			if l.Tokens() >= float64(g.perMinute) {
				delete(g.byIP, k)
			}
		}
		g.swept = time.Now()
	}
	l, ok := g.byIP[ip]
	if !ok {
		l = rate.NewLimiter(rate.Limit(float64(g.perMinute)/60), g.perMinute)
		g.byIP[ip] = l
	}
	return l
}

func (g *loginGuard) allowed(ip string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	l, ok := g.byIP[ip]
	return !ok || l.Tokens() >= 1
}

func (g *loginGuard) failed(ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limiterLocked(ip).Allow()
}

// budgets is Heroku's per-account request budget: 4500 tokens, refilled at 75 per minute.
// A negative burst disables the budget.
type budgets struct {
	burst     int
	perMinute float64
	mu        sync.Mutex // guards the following
	byUser    map[string]*rate.Limiter
}

func newBudgets(burst int, perMinute float64) *budgets {
	return &budgets{burst: burst, perMinute: perMinute, byUser: map[string]*rate.Limiter{}}
}

func (b *budgets) take(userID string) (remaining int, ok bool) {
	if b.burst < 0 {
		return 4500, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	l, found := b.byUser[userID]
	if !found {
		l = rate.NewLimiter(rate.Limit(b.perMinute/60), b.burst)
		b.byUser[userID] = l
	}
	ok = l.Allow()
	return int(l.Tokens()), ok
}

// Authenticate resolves the caller of a request the way the API does (failed attempts count
// against the client IP), for other surfaces on the same listener such as git.
func (s *Server) Authenticate(r *http.Request) (*bera.User, error) {
	user, _, err := s.authenticateKey(r)
	return user, err
}
