package oneoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/coder/websocket"
)

// The WebSocket attach protocol of `bera run` (GET /apps/{app}/dynos/{dyno}/attach):
//
//   - server to client, binary: one stream byte (StreamStdout or StreamStderr) then output;
//     text: a Control, {"type":"up","dyno":"run.N"} once started and {"type":"exit",
//     "status":N} at the end, after which the server closes with status 1000.
//   - client to server, binary: stdin bytes; text: a Control, {"type":"resize","rows":R,
//     "cols":C} or {"type":"eof"} (end of stdin without a TTY).
const (
	StreamStdout byte = 1
	StreamStderr byte = 2
)

// Control is a text message of the WebSocket attach protocol.
type Control struct {
	Type   string `json:"type"` // up, exit, resize, eof
	Dyno   string `json:"dyno,omitempty"`
	Status *int   `json:"status,omitempty"`
	Rows   uint16 `json:"rows,omitempty"`
	Cols   uint16 `json:"cols,omitempty"`
}

// maxMessage bounds one client message.
const maxMessage = 1 << 20

// ParseControl decodes a client's text message: resize (rows and cols above 0) or eof.
func ParseControl(data []byte) (Control, error) {
	var c Control
	if err := json.Unmarshal(data, &c); err != nil {
		return Control{}, fmt.Errorf("decode control message: %w", err)
	}
	switch {
	case c.Type == "eof":
	case c.Type == "resize" && c.Rows > 0 && c.Cols > 0:
	default:
		return Control{}, errors.New("unknown control message")
	}
	return c, nil
}

// ServeAttach claims the attached one-off dyno name of appID with secret, upgrades the
// request to a WebSocket and runs the dyno over it. Before the upgrade it returns
// ErrNoSession for a wrong secret; after it, errors end the WebSocket with a reason.
func (m *Manager) ServeAttach(w http.ResponseWriter, r *http.Request, appID, name, secret string) error {
	p, err := m.Attach(r.Context(), secret, appID, name)
	if err != nil {
		return err
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		p.Wait(canceled(), nopWriter{}, nil)
		return nil // Accept has written the response
	}
	c.SetReadLimit(maxMessage)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	var input sync.WaitGroup
	input.Go(func() {
		pumpWebSocketInput(ctx, c, p)
		cancel()
	})
	writeControl(ctx, c, Control{Type: "up", Dyno: p.Name})
	var stderr *streamWriter
	if !p.TTY {
		stderr = &streamWriter{ctx: ctx, c: c, stream: StreamStderr}
	}
	status, werr := p.Wait(ctx, &streamWriter{ctx: ctx, c: c, stream: StreamStdout}, writerOrNil(stderr))
	if werr == nil && writeControl(ctx, c, Control{Type: "exit", Status: &status}) == nil {
		c.Close(websocket.StatusNormalClosure, "")
	} else {
		c.Close(websocket.StatusGoingAway, "dyno stopped")
	}
	cancel()
	input.Wait()
	return nil
}

// pumpWebSocketInput feeds client messages to the dyno until the client closes, sends a
// message that is not a control, or the dyno's stdin fails.
func pumpWebSocketInput(ctx context.Context, c *websocket.Conn, p *Process) {
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ == websocket.MessageBinary {
			if _, err := p.Stdin.Write(data); err != nil {
				return
			}
			continue
		}
		ctl, err := ParseControl(data)
		if err != nil {
			return
		}
		if ctl.Type == "resize" {
			p.Resize(ctl.Rows, ctl.Cols)
		} else if !p.TTY {
			p.Stdin.Close()
		}
	}
}

func writeControl(ctx context.Context, c *websocket.Conn, ctl Control) error {
	b, _ := json.Marshal(ctl)
	return c.Write(ctx, websocket.MessageText, b)
}

// streamWriter sends output as binary messages tagged with their stream.
type streamWriter struct {
	ctx    context.Context
	c      *websocket.Conn
	stream byte
}

func (s *streamWriter) Write(b []byte) (int, error) {
	msg := make([]byte, 1+len(b))
	msg[0] = s.stream
	copy(msg[1:], b)
	if err := s.c.Write(s.ctx, websocket.MessageBinary, msg); err != nil {
		return 0, err
	}
	return len(b), nil
}

func writerOrNil(s *streamWriter) io.Writer {
	if s == nil {
		return nil
	}
	return s
}

type nopWriter struct{}

func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
