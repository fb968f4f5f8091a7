package api

import (
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
)

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9+=/_-]{20,200}$`)

// withRequestID takes the first entry of the client's Request-Id list when it is well formed
// (the Heroku CLI sends newest first), or makes one, and echoes it in the response.
func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _, _ := strings.Cut(r.Header.Get("Request-Id"), ",")
		id = strings.TrimSpace(id)
		if !requestIDRE.MatchString(id) {
			id = uuid.NewString()
		}
		w.Header().Set("Request-Id", id)
		next.ServeHTTP(w, r.WithContext(bera.WithRequestID(r.Context(), id)))
	})
}

// statusWriter records the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, hijack).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs one line per request: never bodies, headers or query strings.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
			slog.String("request_id", bera.RequestIDFrom(r.Context())))
	})
}

// recoverPanics turns a handler panic into a 500 with the request id, logged once.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", bera.RequestIDFrom(r.Context()), "panic", v)
				s.writeError(w, r, errorf(http.StatusInternalServerError, bera.EInternal, "Internal server error."))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody caps the request body; decode reports 413 when it is exceeded.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > s.cfg.MaxBodyBytes {
			s.writeError(w, r, bera.Errorf(bera.ETooLarge, "Request body is larger than %d bytes.", s.cfg.MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}
