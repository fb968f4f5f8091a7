package drain

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
)

// MaxFrame is the largest syslog message a Reader accepts, in bytes.
const MaxFrame = 64 << 10

// Maximum lengths of RFC 5424 header fields; longer values are cut by the encoder.
const (
	maxHost   = 255
	maxApp    = 48
	maxProcID = 128
	maxMsgID  = 32
)

// ErrFrame is wrapped by every error about malformed frames.
var ErrFrame = errors.New("malformed syslog frame")

// Frame is one RFC 5424 syslog message as Logplex sends it:
// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`, where Logplex puts the drain token (or
// the app name) in HOST, the line's source in APP and its dyno in PROCID.
type Frame struct {
	// Priority is facility*8 + severity, 0 to 191.
	Priority int
	// Time is the timestamp, kept to the microsecond; zero is sent as "-".
	Time time.Time
	// Host, App, ProcID and MsgID are header fields; "" is sent as "-". Bytes outside
	// printable ASCII are sent as '_'.
	Host, App, ProcID, MsgID string
	// StructuredData is the raw SD field ("" for "-"), such as `[origin ip="1.2.3.4"]`.
	StructuredData string
	// Message is the free text.
	Message string
}

// FrameOf returns the frame Logplex sends for l with host as HOST.
func FrameOf(host string, l logs.Line) Frame {
	return Frame{Priority: priority(l), Time: l.Time, Host: host, App: l.Source, ProcID: l.Dyno, Message: l.Message}
}

// priority is local7.info for app output and local3.info for the router, as Logplex sends,
// and syslog.notice for other platform lines.
func priority(l logs.Line) int {
	switch {
	case l.Source == "app":
		return 190
	case l.Dyno == "router":
		return 158
	}
	return 45
}

// AppendSyslog appends f as an RFC 5424 message, without the octet count.
func (f Frame) AppendSyslog(b []byte) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(min(max(f.Priority, 0), 191)), 10)
	b = append(b, ">1 "...)
	if f.Time.IsZero() {
		b = append(b, '-')
	} else {
		b = f.Time.UTC().AppendFormat(b, logs.TimeFormat)
	}
	for _, field := range [...]struct {
		v string
		n int
	}{{f.Host, maxHost}, {f.App, maxApp}, {f.ProcID, maxProcID}, {f.MsgID, maxMsgID}} {
		b = appendField(append(b, ' '), field.v, field.n)
	}
	b = append(b, ' ')
	if sd := f.StructuredData; validSD(sd) {
		b = append(b, sd...)
	} else {
		b = append(b, '-')
	}
	return append(append(b, ' '), f.Message...)
}

// AppendFrame appends f as an octet-counted frame: "LEN MESSAGE".
func AppendFrame(b []byte, f Frame) []byte {
	msg := f.AppendSyslog(nil)
	b = strconv.AppendInt(b, int64(len(msg)), 10)
	return append(append(b, ' '), msg...)
}

func appendField(b []byte, v string, n int) []byte {
	if v == "" || v == "-" {
		return append(b, '-')
	}
	for i := 0; i < len(v) && i < n; i++ {
		c := v[i]
		if c < 33 || c > 126 {
			c = '_'
		}
		b = append(b, c)
	}
	return b
}

// ParseFrame parses one RFC 5424 message (without its octet count).
func ParseFrame(msg []byte) (Frame, error) {
	var f Frame
	s := string(msg)
	pri, rest, ok := strings.Cut(s, ">1 ")
	if !ok || len(pri) < 2 || len(pri) > 4 || pri[0] != '<' {
		return f, fmt.Errorf("%w: bad PRI or version", ErrFrame)
	}
	p, err := strconv.Atoi(pri[1:])
	if err != nil || p < 0 || p > 191 || (len(pri) > 2 && pri[1] == '0') || pri[1] == '+' || pri[1] == '-' {
		return f, fmt.Errorf("%w: bad PRI %q", ErrFrame, pri[1:])
	}
	f.Priority = p
	var fields [5]string
	for i := range fields {
		if fields[i], rest, ok = strings.Cut(rest, " "); !ok || fields[i] == "" {
			return f, fmt.Errorf("%w: missing header field %d", ErrFrame, i+1)
		}
	}
	if f.Time, err = parseTime(fields[0]); err != nil {
		return f, err
	}
	lims := [...]int{maxHost, maxApp, maxProcID, maxMsgID}
	dst := [...]*string{&f.Host, &f.App, &f.ProcID, &f.MsgID}
	for i, v := range fields[1:] {
		if *dst[i], err = parseField(v, lims[i]); err != nil {
			return f, err
		}
	}
	f.StructuredData, f.Message, err = parseSD(rest)
	return f, err
}

func parseTime(v string) (time.Time, error) {
	if v == "-" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, fmt.Errorf("%w: bad timestamp %q", ErrFrame, v)
	}
	return t.UTC(), nil
}

func parseField(v string, n int) (string, error) {
	if len(v) > n {
		return "", fmt.Errorf("%w: header field of %d bytes", ErrFrame, len(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 33 || v[i] > 126 {
			return "", fmt.Errorf("%w: byte %#x in header field", ErrFrame, v[i])
		}
	}
	if v == "-" {
		return "", nil
	}
	return v, nil
}

// parseSD splits "SD MSG" (MSG optional) into the raw SD ("" for "-") and the message.
func parseSD(s string) (sd, msg string, err error) {
	if s == "-" || strings.HasPrefix(s, "- ") {
		return "", strings.TrimPrefix(s[1:], " "), nil
	}
	n := sdLen(s)
	if n == 0 {
		return "", "", fmt.Errorf("%w: bad structured data", ErrFrame)
	}
	if n < len(s) && s[n] != ' ' {
		return "", "", fmt.Errorf("%w: no space after structured data", ErrFrame)
	}
	return s[:n], strings.TrimPrefix(s[n:], " "), nil
}

// sdLen returns the length of the SD-ELEMENTs at the start of s, or 0 if they are malformed.
func sdLen(s string) int {
	i := 0
	for i < len(s) && s[i] == '[' {
		j := closingBracket(s, i+1)
		if j <= i+1 {
			return 0
		}
		i = j + 1
	}
	return i
}

// closingBracket returns the index of the "]" that ends an SD-ELEMENT whose body starts at
// i, skipping quoted and escaped characters, or -1.
func closingBracket(s string, i int) int {
	inQuote := false
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ']' && !inQuote:
			return i
		}
	}
	return -1
}

func validSD(sd string) bool {
	return sd != "" && sdLen(sd) == len(sd) && !strings.ContainsAny(sd, "\n")
}

// Reader reads octet-counted frames ("LEN MESSAGE") from a stream, as syslog servers and
// Logplex HTTPS drains receive them.
type Reader struct {
	r   *bufio.Reader
	buf []byte
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader { return &Reader{r: bufio.NewReader(r)} }

// Next returns the next frame; io.EOF at a clean end, ErrFrame wrapped for bad input.
func (r *Reader) Next() (Frame, error) {
	msg, err := r.NextRaw()
	if err != nil {
		return Frame{}, err
	}
	return ParseFrame(msg)
}

// NextRaw returns the next message without parsing it; it is valid until the next call.
func (r *Reader) NextRaw() ([]byte, error) {
	n, err := r.length()
	if err != nil {
		return nil, err
	}
	if cap(r.buf) < n {
		r.buf = make([]byte, n)
	}
	r.buf = r.buf[:n]
	if _, err := io.ReadFull(r.r, r.buf); err != nil {
		return nil, fmt.Errorf("%w: truncated frame: %w", ErrFrame, err)
	}
	return r.buf, nil
}

func (r *Reader) length() (int, error) {
	n := 0
	for digits := 0; ; digits++ {
		c, err := r.r.ReadByte()
		switch {
		case err == io.EOF && digits == 0:
			return 0, io.EOF
		case err != nil:
			return 0, fmt.Errorf("%w: reading length: %w", ErrFrame, err)
		case c == ' ' && digits > 0:
			return n, nil
		case c < '0' || c > '9' || (digits == 0 && c == '0'):
			return 0, fmt.Errorf("%w: bad length byte %q", ErrFrame, c)
		}
		if n = n*10 + int(c-'0'); n > MaxFrame {
			return 0, fmt.Errorf("%w: frame longer than %d bytes", ErrFrame, MaxFrame)
		}
	}
}
