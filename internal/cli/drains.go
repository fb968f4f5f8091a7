package cli

import (
	"fmt"
)

func drainsCommands() []*command {
	return []*command{{
		Name: "drains", Topic: "drains", App: true, Flags: []Flag{jsonFlag},
		Summary: "list the places an app's logs are also sent",
		Example: "bera drains -a my-app",
		Run:     runDrains,
	}, {
		Name: "drains:add", Topic: "drains", App: true, Args: "URL", MinArgs: 1, MaxArgs: 1,
		Summary: "send an app's logs to a syslog (syslog://, syslog+tls://) or HTTPS endpoint",
		Description: "Syslog drains get RFC 5424 frames over TCP or TLS; HTTPS drains get application/logplex-1 " +
			"batches, as Heroku sends them. A slow drain never slows the app: lines that do not fit its buffer are " +
			"dropped and counted in an L10 line.",
		Example: "bera drains:add syslog+tls://logs.example.com:6514 -a my-app",
		Run:     runDrainsAdd,
	}, {
		Name: "drains:remove", Topic: "drains", App: true, Args: "URL|TOKEN", MinArgs: 1, MaxArgs: 1,
		Summary: "stop sending an app's logs to a drain",
		Example: "bera drains:remove syslog+tls://logs.example.com:6514 -a my-app",
		Run:     runDrainsRemove,
	}}
}

func runDrains(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	ds, err := c.LogDrains(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(ds))
	}
	if len(ds) == 0 {
		fmt.Fprintf(s.stdout, "%s has no drains.\n", app)
		return nil
	}
	header(s.stdout, "Drains")
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		rows = append(rows, []string{d.URL, "(" + d.Token + ")"})
	}
	printTable(s.stdout, rows)
	return nil
}

func runDrainsAdd(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	d, err := c.AddLogDrain(s.ctx, app, s.args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Successfully added drain %s (%s)\n", d.URL, d.Token)
	return nil
}

func runDrainsRemove(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	d, err := c.RemoveLogDrain(s.ctx, app, s.args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Successfully removed drain %s\n", d.URL)
	return nil
}
