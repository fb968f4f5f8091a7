package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kingvon-ke/bera/internal/client"
)

func eventsCommands() []*command {
	return []*command{{
		Name: "events", Topic: "apps", App: true,
		Summary: "follow an app's live events",
		Description: "Follows the app's events as they happen: build output, releases created, dyno state " +
			"changes, formation changes, add-on changes and log lines. --json prints each event as one JSON line. " +
			"A follower that falls too far behind is disconnected by the server.",
		Example: "bera events -a my-app --json",
		Flags:   []Flag{jsonFlag},
		Run:     runEvents,
	}}
}

func runEvents(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	asJSON := s.opts.Bool("json")
	return c.Events(s.ctx, []string{app}, func(raw []byte) error {
		if asJSON {
			_, err := fmt.Fprintf(s.stdout, "%s\n", raw)
			return err
		}
		var e client.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		return printEvent(s.stdout, e)
	})
}

// printEvent writes an event as one human line.
func printEvent(w io.Writer, e client.Event) error {
	d := e.Data
	var msg string
	switch e.Type {
	case "log":
		msg = fmt.Sprintf("%v[%v]: %v", d["source"], d["dyno"], d["line"])
	case "release.created":
		msg = fmt.Sprintf("release v%v created: %v", d["version"], d["description"])
	case "dyno.state":
		msg = fmt.Sprintf("dyno %v: %v -> %v", d["dyno"], d["from"], d["to"])
	case "formation.changed":
		msg = fmt.Sprintf("formation %v: %v × %v", d["type"], d["quantity"], d["size"])
	case "addon.changed":
		msg = fmt.Sprintf("add-on %v (%v): %v", d["addon"], d["plan"], d["state"])
		if att, ok := d["attachment"]; ok {
			msg += fmt.Sprintf(" %v", att)
		}
	case "build.output":
		msg = fmt.Sprintf("build: %v", d["line"])
	default:
		b, _ := json.Marshal(d)
		msg = fmt.Sprintf("%s %s", e.Type, b)
	}
	_, err := fmt.Fprintf(w, "%s %s %s\n", e.Time, e.App, msg)
	return err
}
