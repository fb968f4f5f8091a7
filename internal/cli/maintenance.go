package cli

import (
	"fmt"

	"github.com/kingvon-ke/bera/internal/wire"
)

func maintenanceCommands() []*command {
	return []*command{{
		Name: "maintenance", Topic: "maintenance", App: true,
		Summary: "show whether maintenance mode is on", Example: "bera maintenance -a my-app",
		Run: runMaintenance,
	}, {
		Name: "maintenance:on", Topic: "maintenance", App: true,
		Summary:     "put an app into maintenance mode",
		Description: "Serve a maintenance page (router error H80) instead of sending requests to the app's dynos.",
		Example:     "bera maintenance:on -a my-app",
		Run:         func(s *session) error { return setMaintenance(s, true) },
	}, {
		Name: "maintenance:off", Topic: "maintenance", App: true,
		Summary: "take an app out of maintenance mode", Example: "bera maintenance:off -a my-app",
		Run: func(s *session) error { return setMaintenance(s, false) },
	}}
}

func runMaintenance(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	a, err := c.App(s.ctx, app)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.stdout, onOff(a.Maintenance))
	return nil
}

func setMaintenance(s *session, on bool) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if _, err := c.UpdateApp(s.ctx, app, wire.AppUpdate{Maintenance: &on}); err != nil {
		return err
	}
	verb := "Disabling"
	if on {
		verb = "Enabling"
	}
	fmt.Fprintf(s.stdout, "%s maintenance mode for %s... done\n", verb, app)
	return nil
}

// onOff is "on" or "off".
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
