package router

import (
	"strconv"
	"time"
)

// LogSink receives one Heroku router log line per request, without timestamp or source
// ("heroku[router]:"), which the log router adds. RouterLine is called on the request's
// goroutine once the request is finished, so it must be safe for concurrent use and must not
// block (buffer and drop instead).
type LogSink interface {
	RouterLine(appID string, line string)
}

// Metrics receives one observation per routed request, for per-app request counts by status
// class and response times. Observe has the same rules as LogSink.RouterLine: concurrent,
// non-blocking, and e must not be retained.
type Metrics interface {
	Observe(e *Entry)
}

// Entry is what the router knows about one finished request.
type Entry struct {
	AppID     string
	Code      Code // "" when the request was served
	Method    string
	Path      string // request target as received
	Host      string // normalized host
	RequestID string
	Fwd       string // client IP
	Dyno      string // "" when no dyno was tried
	Connect   time.Duration
	Service   time.Duration
	Status    int
	Bytes     int64 // response body bytes sent to the client
	Protocol  string
}

// Line formats e as Heroku's router log line, such as `at=info method=GET path="/"
// host=app.example.com request_id=… fwd="1.2.3.4" dyno=web.1 connect=0ms service=12ms
// status=200 bytes=1234 protocol=http`. dyno, connect and service are empty without a dyno.
func (e *Entry) Line() string {
	b := make([]byte, 0, 256)
	switch {
	case e.Code == "":
		b = append(b, "at=info"...)
	case e.Code == H27:
		b = append(b, "at=info code=H27 desc=\""...)
	default:
		b = append(b, "at=error code="...)
		b = append(b, e.Code...)
		b = append(b, " desc=\""...)
	}
	if e.Code != "" {
		b = append(b, e.Code.Desc()...)
		b = append(b, '"')
	}
	b = append(b, " method="...)
	b = appendSafe(b, e.Method)
	b = append(b, " path=\""...)
	b = appendSafe(b, e.Path)
	b = append(b, "\" host="...)
	b = appendSafe(b, e.Host)
	b = append(b, " request_id="...)
	b = appendSafe(b, e.RequestID)
	b = append(b, " fwd=\""...)
	b = appendSafe(b, e.Fwd)
	b = append(b, "\" dyno="...)
	b = appendSafe(b, e.Dyno)
	b = append(b, " connect="...)
	b = appendMillis(b, e.Dyno != "", e.Connect)
	b = append(b, " service="...)
	b = appendMillis(b, e.Dyno != "", e.Service)
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, " bytes="...)
	b = strconv.AppendInt(b, e.Bytes, 10)
	b = append(b, " protocol="...)
	b = append(b, e.Protocol...)
	return string(b)
}

// appendMillis appends d as "12ms", or nothing when the value is absent.
func appendMillis(b []byte, present bool, d time.Duration) []byte {
	if !present {
		return b
	}
	b = strconv.AppendInt(b, d.Milliseconds(), 10)
	return append(b, "ms"...)
}

// appendSafe appends client-controlled s so that it cannot break the line or its quoting:
// quotes, backslashes, spaces and control bytes are percent-encoded. Runs of safe bytes are
// appended whole (a request's fields are nearly always safe throughout).
func appendSafe(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; unsafeByte[c] {
			b = append(b, s[start:i]...)
			b = append(b, '%', hex[c>>4], hex[c&15])
			start = i + 1
		}
	}
	return append(b, s[start:]...)
}

// unsafeByte marks the bytes appendSafe encodes.
var unsafeByte = func() (t [256]bool) {
	for c := range 256 {
		t[c] = c <= ' ' || c == '"' || c == '\\' || c == 0x7f
	}
	return t
}()
