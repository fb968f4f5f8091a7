package cli

import (
	"fmt"

	"github.com/kingvon-ke/bera/internal/wire"
)

func spacesCommands() []*command {
	return []*command{{
		Name: "spaces", Topic: "spaces", Flags: []Flag{jsonFlag},
		Summary: "list the Private Spaces you own or have apps in",
		Example: "bera spaces", Run: runSpaces,
	}, {
		Name: "spaces:create", Topic: "spaces", Args: "NAME", MinArgs: 0, MaxArgs: 1,
		Summary: "create a Private Space: a network of its own for apps",
		Description: "Apps created with --space NAME run their dynos on the space's network: they reach each " +
			"other by name (<process>.<app>.app.localspace, <n>.<process>.<app>.app.localspace), and nothing " +
			"outside the space reaches them. --cidr picks the space's IPv4 network (/16 to /24); by default the " +
			"next free /16 of 10.1.0.0 to 10.80.0.0.",
		Example: "bera spaces:create my-space --cidr 10.20.0.0/16",
		Flags: []Flag{
			{Name: "space", Short: "s", Arg: "NAME", Usage: "name of the space (or give it as the argument)"},
			{Name: "cidr", Arg: "CIDR", Usage: "the space's IPv4 network, such as 10.20.0.0/16"},
			{Name: "team", Short: "t", Arg: "TEAM", Usage: "accepted for the Heroku CLI's sake; spaces belong to you"},
			jsonFlag,
		},
		Run: runSpacesCreate,
	}, {
		Name: "spaces:info", Topic: "spaces", Args: "[NAME]", MaxArgs: 1,
		Summary: "show a Private Space's details", Example: "bera spaces:info my-space",
		Flags: []Flag{{Name: "space", Short: "s", Arg: "NAME", Usage: "name of the space"}, jsonFlag},
		Run:   runSpacesInfo,
	}, {
		Name: "spaces:destroy", Topic: "spaces", Args: "[NAME]", MaxArgs: 1,
		Summary:     "destroy an empty Private Space",
		Description: "Destroy a space with no apps left: its network, rules and resolver go. --confirm must repeat its name.",
		Example:     "bera spaces:destroy my-space --confirm my-space",
		Flags: []Flag{
			{Name: "space", Short: "s", Arg: "NAME", Usage: "name of the space"},
			{Name: "confirm", Arg: "NAME", Usage: "the space's name, to confirm"},
		},
		Run: runSpacesDestroy,
	}}
}

// spaceArg is the space named by the argument or --space.
func (s *session) spaceArg() (string, error) {
	if len(s.args) == 1 {
		return s.args[0], nil
	}
	if name := s.opts.String("space"); name != "" {
		return name, nil
	}
	return "", usagef("give the space's name: bera %s NAME", s.cmd.Name)
}

func runSpaces(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	list, err := c.Spaces(s.ctx)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(list))
	}
	if len(list) == 0 {
		fmt.Fprintln(s.stdout, "You have no spaces.")
		return nil
	}
	header(s.stdout, "Spaces")
	rows := [][]string{{"Name", "Owner", "CIDR", "State", "Created"}}
	for _, sp := range list {
		rows = append(rows, []string{sp.Name, sp.Owner.Email, sp.CIDR, sp.State, sp.CreatedAt})
	}
	printTable(s.stdout, rows)
	return nil
}

func runSpacesCreate(s *session) error {
	name, err := s.spaceArg()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	in := wire.SpaceCreate{Name: name}
	if cidr := s.opts.String("cidr"); cidr != "" {
		in.CIDR = &cidr
	}
	sp, err := c.CreateSpace(s.ctx, in)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, sp)
	}
	fmt.Fprintf(s.stdout, "Creating space %s... done\n", sp.Name)
	printSpace(s, sp)
	return nil
}

func runSpacesInfo(s *session) error {
	name, err := s.spaceArg()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	sp, err := c.Space(s.ctx, name)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, sp)
	}
	printSpace(s, sp)
	return nil
}

func printSpace(s *session, sp *wire.Space) {
	header(s.stdout, sp.Name)
	printObject(s.stdout, []kv{
		{"ID", sp.ID},
		{"Owner", sp.Owner.Email},
		{"Region", sp.Region.Name},
		{"CIDR", sp.CIDR},
		{"DNS", sp.Gateway + " (<process>.<app>.app.localspace)"},
		{"State", sp.State},
		{"Created at", sp.CreatedAt},
	})
}

func runSpacesDestroy(s *session) error {
	name, err := s.spaceArg()
	if err != nil {
		return err
	}
	if s.opts.String("confirm") != name {
		return fmt.Errorf("this destroys space %s; to proceed, run again with --confirm %s", name, name)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if _, err := c.DestroySpace(s.ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Destroying space %s... done\n", name)
	return nil
}
