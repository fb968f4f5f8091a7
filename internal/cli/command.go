package cli

import (
	"slices"
	"strings"
)

// command is one entry of the command table. Each topic file (apps.go, config.go, …)
// contributes its commands through a function listed in commands.
type command struct {
	Name        string   // "apps:create"
	Aliases     []string // other names, such as "create"
	Topic       string   // the help topic it is listed under
	Args        string   // positional arguments for help, such as "[NAME]"
	Summary     string   // one line for lists
	Description string   // paragraph for `--help`; Summary when empty
	Example     string   // shown under "Example:" (without the "$ ")
	Flags       []Flag
	App         bool // takes -a/--app
	MinArgs     int
	MaxArgs     int // -1 for any number
	Run         func(s *session) error
}

// topic groups commands in help.
type topic struct {
	Name, Summary string
}

var (
	appFlag  = Flag{Name: "app", Short: "a", Arg: "APP", Usage: "app to run the command against"}
	helpFlag = Flag{Name: "help", Short: "h", Usage: "show this help"}
	jsonFlag = Flag{Name: "json", Usage: "print JSON"}
)

// allFlags returns the command's flags plus -a/--app when it takes an app, and -h/--help.
func (c *command) allFlags() []Flag {
	fs := slices.Clone(c.Flags)
	if c.App {
		fs = append(fs, appFlag)
	}
	return append(fs, helpFlag)
}

// usageLine is "NAME ARGS [flags]".
func (c *command) usageLine() string {
	parts := []string{c.Name}
	if c.Args != "" {
		parts = append(parts, c.Args)
	}
	if c.App {
		parts = append(parts, "-a APP")
	}
	return strings.Join(parts, " ")
}

// topics lists the help topics in display order.
func topics() []topic {
	return []topic{
		{"access", "manage who can work on an app"},
		{"addons", "databases and caches for an app: create, attach, detach and destroy add-ons"},
		{"apps", "create, inspect, rename and destroy apps"},
		{"auth", "log in and out, and show who you are"},
		{"buildpacks", "choose the buildpacks that build an app"},
		{"certs", "manual and automatic (ACME) TLS certificates for custom domains"},
		{"config", "read and change an app's config vars"},
		{"domains", "custom domains an app answers to"},
		{"drains", "send an app's logs to syslog or HTTPS endpoints"},
		{"git", "connect a local git repository to an app"},
		{"logs", "show and follow an app's logs"},
		{"maintenance", "serve a maintenance page instead of the app"},
		{"metrics", "an app's traffic, response times and dyno resources by the minute"},
		{"ps", "list dynos and scale process types"},
		{"releases", "list and inspect an app's releases"},
		{"spaces", "Private Spaces: networks of their own where apps reach each other by name"},
	}
}

// commands returns the whole command table. A new topic adds its function here.
func commands() []*command {
	var all []*command
	for _, group := range [][]*command{authCommands(), appsCommands(), configCommands(),
		releasesCommands(), psCommands(), accessCommands(), maintenanceCommands(), gitCommands(), logsCommands(), buildpacksCommands(), drainsCommands(), runCommands(), domainsCommands(), certsCommands(), metricsCommands(), deployCommands(), eventsCommands(), addonsCommands(), spacesCommands(), buildsCommands()} {
		all = append(all, group...)
	}
	slices.SortFunc(all, func(a, b *command) int { return strings.Compare(a.Name, b.Name) })
	return all
}

// lookup finds a command by name or alias, nil if there is none.
func lookup(name string) *command {
	for _, c := range commands() {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

// lookupTopic finds a topic by name.
func lookupTopic(name string) *topic {
	for _, t := range topics() {
		if t.Name == name {
			return &t
		}
	}
	return nil
}
