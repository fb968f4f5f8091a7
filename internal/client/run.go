package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera/internal/wire"
)

// CreateDyno starts a one-off dyno (detached), or prepares one to attach to (Attach).
func (c *Client) CreateDyno(ctx context.Context, app string, req wire.DynoCreate) (*wire.Dyno, error) {
	var d wire.Dyno
	return &d, c.call(ctx, http.MethodPost, appPath(app, "dynos"), req, &d)
}

// Attachment is a WebSocket connection to an attached one-off dyno (the protocol of
// internal/oneoff: binary messages carry stdin one way and stream-tagged output the other,
// text messages carry JSON controls).
type Attachment struct {
	conn *websocket.Conn
}

// control is a text message of the attach protocol.
type control struct {
	Type   string `json:"type"`
	Dyno   string `json:"dyno,omitempty"`
	Status *int   `json:"status,omitempty"`
	Rows   uint16 `json:"rows,omitempty"`
	Cols   uint16 `json:"cols,omitempty"`
}

// ErrDetached is returned by Attachment.Run when the connection ended without an exit status.
var ErrDetached = errors.New("the connection to the dyno ended before its command exited")

// Attach connects to the attached one-off dyno d, created by CreateDyno with Attach, over a
// WebSocket on the API (GET /apps/{app}/dynos/{dyno}/attach).
func (c *Client) Attach(ctx context.Context, app string, d *wire.Dyno) (*Attachment, error) {
	if d.AttachURL == nil {
		return nil, errors.New("the dyno has no attach_url")
	}
	au, err := url.Parse(*d.AttachURL)
	if err != nil {
		return nil, fmt.Errorf("parse attach_url: %w", err)
	}
	u := c.URL()
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path += appPath(app, "dynos", d.Name, "attach")
	h := http.Header{}
	h.Set("Bera-Attach-Secret", strings.TrimPrefix(au.Path, "/"))
	h.Set("User-Agent", c.ua)
	if c.key != "" {
		h.Set("Authorization", "Bearer "+c.key)
	}
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{HTTPClient: &http.Client{Transport: c.hc.Transport}, HTTPHeader: h})
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			return nil, DecodeError(resp.StatusCode, resp.Header.Get("Request-Id"), body, "attach to "+d.Name)
		}
		return nil, fmt.Errorf("attach to %s: %w", d.Name, err)
	}
	conn.SetReadLimit(4 << 20)
	return &Attachment{conn: conn}, nil
}

// Resize tells the dyno's terminal its new size.
func (a *Attachment) Resize(ctx context.Context, rows, cols uint16) error {
	return a.writeControl(ctx, control{Type: "resize", Rows: rows, Cols: cols})
}

func (a *Attachment) writeControl(ctx context.Context, c control) error {
	b, _ := json.Marshal(c)
	return a.conn.Write(ctx, websocket.MessageText, b)
}

// Run copies stdin to the dyno (ending with an EOF control when stdin ends) and the dyno's
// stdout and stderr to stdout and stderr until its command exits, and returns its exit
// status. The stdin copy may still be blocked in a read when Run returns.
func (a *Attachment) Run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	defer a.conn.CloseNow()
	if stdin != nil {
		go a.sendStdin(ctx, stdin)
	}
	for {
		typ, data, err := a.conn.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			return 0, ErrDetached
		}
		if typ == websocket.MessageText {
			var c control
			if json.Unmarshal(data, &c) == nil && c.Type == "exit" && c.Status != nil {
				a.conn.Close(websocket.StatusNormalClosure, "")
				return *c.Status, nil
			}
			continue
		}
		if len(data) > 0 {
			w := stdout
			if data[0] == 2 {
				w = stderr
			}
			w.Write(data[1:])
		}
	}
}

// sendStdin forwards stdin as binary messages, then an EOF control.
func (a *Attachment) sendStdin(ctx context.Context, stdin io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			if a.conn.Write(ctx, websocket.MessageBinary, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			a.writeControl(ctx, control{Type: "eof"})
			return
		}
	}
}
