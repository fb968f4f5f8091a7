package cli

import (
	"fmt"
	"strings"
)

func accessCommands() []*command {
	return []*command{{
		Name: "access", Aliases: []string{"access:list"}, Topic: "access", App: true,
		Summary: "list who has access to an app", Example: "bera access -a my-app",
		Flags: []Flag{jsonFlag}, Run: runAccess,
	}, {
		Name: "access:add", Topic: "access", App: true, Args: "EMAIL", MinArgs: 1, MaxArgs: 1,
		Summary:     "give a user access to an app",
		Description: "Add a collaborator: the user can then deploy, configure and scale the app. The user must already have an account on this server.",
		Example:     "bera access:add dev@example.com -a my-app",
		Run:         runAccessAdd,
	}, {
		Name: "access:remove", Topic: "access", App: true, Args: "EMAIL", MinArgs: 1, MaxArgs: 1,
		Summary: "take a user's access to an app away", Example: "bera access:remove dev@example.com -a my-app",
		Run: runAccessRemove,
	}}
}

func runAccess(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	collabs, err := c.Collaborators(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(collabs))
	}
	header(s.stdout, app+" Access List")
	fmt.Fprintln(s.stdout)
	rows := make([][]string, 0, len(collabs))
	for _, co := range collabs {
		var perms []string
		for _, p := range co.Permissions {
			perms = append(perms, p.Name)
		}
		rows = append(rows, []string{co.User.Email, co.Role, strings.Join(perms, ", ")})
	}
	printTable(s.stdout, rows)
	return nil
}

func runAccessAdd(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	email := s.args[0]
	if _, err := c.AddCollaborator(s.ctx, app, email); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Adding %s access to the app %s... done\n", email, app)
	return nil
}

func runAccessRemove(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	email := s.args[0]
	if err := c.RemoveCollaborator(s.ctx, app, email); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Removing %s access from the app %s... done\n", email, app)
	return nil
}
