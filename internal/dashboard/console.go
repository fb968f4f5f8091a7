package dashboard

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

const (
	// consoleTTL is how long a started console waits for its page to attach.
	consoleTTL = 2 * time.Minute
	// maxCommand bounds the console's command.
	maxCommand = 4096
)

// consoles holds the one-off dynos started from More → Run console until their page's
// WebSocket attaches to them: each is taken once, by the session that started it.
type consoles struct {
	now func() time.Time

	mu      sync.Mutex // guards byToken
	byToken map[string]pendingConsole
}

type pendingConsole struct {
	session, app string
	dyno         *wire.Dyno
	expires      time.Time
}

func newConsoles(now func() time.Time) *consoles {
	return &consoles{now: now, byToken: map[string]pendingConsole{}}
}

// add keeps d for the session and returns the token its page attaches with.
func (cs *consoles) add(session, app string, d *wire.Dyno) string {
	token := randomToken()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	now := cs.now()
	for t, p := range cs.byToken {
		if !now.Before(p.expires) {
			delete(cs.byToken, t)
		}
	}
	cs.byToken[token] = pendingConsole{session: session, app: app, dyno: d, expires: now.Add(consoleTTL)}
	return token
}

// take returns and forgets the dyno of token when it belongs to session and app.
func (cs *consoles) take(token, session, app string) *wire.Dyno {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	p, ok := cs.byToken[token]
	if !ok || p.session != session || p.app != app || !cs.now().Before(p.expires) {
		return nil
	}
	delete(cs.byToken, token)
	return p.dyno
}

// consoleView is More → Run console: the command form, and the terminal of a started one.
type consoleView struct {
	appBase
	Command string
	Attach  string // the WebSocket path of the started console, "" before one is started
}

func (d *Dashboard) handleConsole(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	f, err := d.appFrame(r, c, "console", "Console")
	if err != nil {
		return err
	}
	v := consoleView{appBase: f, Command: "bash"}
	if t := r.URL.Query().Get("run"); t != "" {
		v.Attach = Prefix + "apps/" + f.App.Name + "/console/" + t
		v.Command = r.URL.Query().Get("command")
	}
	// xterm.js sets its theme and sizes with a <style> element.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	d.render(w, r, http.StatusOK, "console", v)
	return nil
}

// handleConsoleStart starts a one-off dyno to attach to and sends the browser to its
// terminal.
func (d *Dashboard) handleConsoleStart(w http.ResponseWriter, r *http.Request, c *client.Client) (string, error) {
	app := r.PathValue("app")
	back := appURL(app, "console")
	cmd := strings.TrimSpace(r.PostForm.Get("command"))
	if cmd == "" || len(cmd) > maxCommand {
		return back, errorf(http.StatusUnprocessableEntity, "Invalid", "Enter the command to run, such as bash.")
	}
	dyno, err := c.CreateDyno(r.Context(), app, wire.DynoCreate{Attach: true, Command: cmd,
		// The page's terminal starts at 80×24 and sends its size when it attaches.
		Env: wire.EnvStrings(map[string]string{"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})})
	if err != nil {
		return back, err
	}
	token := d.consoles.add(sessionFrom(r.Context()).id, app, dyno)
	return back + "?run=" + urlQuery(token) + "&command=" + urlQuery(cmd) + "#console", nil
}

// consoleControl is a text message between the console page and the dashboard.
type consoleControl struct {
	Type    string `json:"type"`
	Rows    uint16 `json:"rows,omitempty"`
	Cols    uint16 `json:"cols,omitempty"`
	Status  *int   `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// handleConsoleAttach serves the console page's WebSocket: binary messages are the
// terminal's input one way and its output the other; text messages are JSON controls
// (resize from the page; exit or error to it). It attaches to the dyno over the API's
// attach WebSocket with the user's key. websocket.Accept refuses other origins.
func (d *Dashboard) handleConsoleAttach(w http.ResponseWriter, r *http.Request, c *client.Client) error {
	app := r.PathValue("app")
	dyno := d.consoles.take(r.PathValue("token"), sessionFrom(r.Context()).id, app)
	if dyno == nil {
		return errorf(http.StatusNotFound, "Console ended", "This console is no longer waiting. Run the command again.")
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil // Accept answered the browser
	}
	defer ws.CloseNow()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(d.ctx, cancel)()
	send := func(m consoleControl) {
		b, _ := json.Marshal(m)
		ws.Write(ctx, websocket.MessageText, b)
	}
	att, err := c.Attach(ctx, app, dyno)
	if err != nil {
		msg := "Could not attach to the dyno."
		if m, ok := userError(err); ok {
			msg = m
		}
		send(consoleControl{Type: "error", Message: msg})
		ws.Close(websocket.StatusNormalClosure, "")
		return nil
	}
	stdin, stdinW := io.Pipe()
	defer stdin.Close()
	go func() {
		defer stdinW.Close()
		defer cancel() // the page went away
		for {
			typ, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			if typ == websocket.MessageText {
				var m consoleControl
				if json.Unmarshal(data, &m) == nil && m.Type == "resize" && m.Rows > 0 && m.Cols > 0 {
					att.Resize(ctx, m.Rows, m.Cols)
				}
				continue
			}
			if _, err := stdinW.Write(data); err != nil {
				return
			}
		}
	}()
	out := wsWriter{ctx: ctx, ws: ws}
	status, err := att.Run(ctx, stdin, out, out)
	if err != nil {
		if ctx.Err() == nil {
			send(consoleControl{Type: "error", Message: "The connection to the dyno ended before its command exited."})
		}
		return nil
	}
	send(consoleControl{Type: "exit", Status: &status})
	ws.Close(websocket.StatusNormalClosure, "")
	return nil
}

// wsWriter writes the dyno's output to the page as binary messages.
type wsWriter struct {
	ctx context.Context
	ws  *websocket.Conn
}

func (w wsWriter) Write(p []byte) (int, error) {
	if err := w.ws.Write(w.ctx, websocket.MessageBinary, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
