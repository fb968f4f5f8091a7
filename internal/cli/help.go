package cli

import (
	"fmt"
	"strings"
)

// externalCommands are handled by cmd/bera, not by Run, but are listed in help.
func externalCommands() [][]string {
	return [][]string{
		{"server", "run the Bera platform: API, git, router and dynos (bera server --help)"},
		{"admin users:create EMAIL", "create an account, on the server machine (bera admin --help)"},
	}
}

// help prints general help, or help for the topic or command named in args.
func (s *session) help(args []string) error {
	if len(args) == 0 {
		s.generalHelp()
		return nil
	}
	if t := lookupTopic(args[0]); t != nil {
		s.topicHelp(t)
		return nil
	}
	if c := lookup(args[0]); c != nil {
		s.commandHelp(c)
		return nil
	}
	return usagef("no help for %q: it is not a bera topic or command. Run \"bera help\" for the list.", args[0])
}

func (s *session) generalHelp() {
	w := s.stdout
	fmt.Fprint(w, "Bera: deploy and run apps on your own servers, the Heroku way.\n\n")
	fmt.Fprint(w, "Usage: bera COMMAND [ARGS] [FLAGS]\n\nTopics:\n")
	var rows [][]string
	for _, t := range topics() {
		rows = append(rows, []string{"  " + t.Name, t.Summary})
	}
	printTable(w, rows)
	fmt.Fprint(w, "\nCommands:\n")
	rows = rows[:0]
	for _, c := range commands() {
		rows = append(rows, []string{"  " + c.Name, c.Summary})
	}
	for _, e := range externalCommands() {
		rows = append(rows, []string{"  " + e[0], e[1]})
	}
	printTable(w, rows)
	fmt.Fprint(w, "\nMost commands act on one app: pass -a APP, set BERA_APP, or run them inside a git\n"+
		"repository with a \"bera\" remote. The API is BERA_API_URL, else the URL saved by\n"+
		"\"bera login --api-url\", else http://127.0.0.1:3000.\n\n"+
		"Run \"bera help TOPIC\" or \"bera COMMAND --help\" for details.\n")
}

func (s *session) topicHelp(t *topic) {
	w := s.stdout
	fmt.Fprintf(w, "bera %s: %s\n\nCommands:\n", t.Name, t.Summary)
	var rows [][]string
	for _, c := range commands() {
		if c.Topic == t.Name {
			rows = append(rows, []string{"  " + c.Name, c.Summary})
		}
	}
	printTable(w, rows)
	fmt.Fprintf(w, "\nRun \"bera COMMAND --help\" for a command's flags and an example.\n")
}

func (s *session) commandHelp(c *command) {
	w := s.stdout
	fmt.Fprintf(w, "Usage: bera %s [flags]\n\n", c.usageLine())
	desc := c.Description
	if desc == "" {
		desc = strings.ToUpper(c.Summary[:1]) + c.Summary[1:] + "."
	}
	fmt.Fprintln(w, wrap(desc, 88))
	if len(c.Aliases) > 0 {
		fmt.Fprintf(w, "\nAliases: %s\n", strings.Join(c.Aliases, ", "))
	}
	fmt.Fprint(w, "\nFlags:\n")
	var rows [][]string
	for _, f := range c.allFlags() {
		rows = append(rows, []string{"  " + flagSyntax(f), f.Usage})
	}
	printTable(w, rows)
	if c.Example != "" {
		fmt.Fprintf(w, "\nExample:\n  $ %s\n", c.Example)
	}
	if lookupTopic(c.Name) != nil {
		fmt.Fprintf(w, "\nMore %s commands: bera help %s\n", c.Name, c.Name)
	}
}

// flagSyntax is "-a, --app APP" or "    --json".
func flagSyntax(f Flag) string {
	s := "    --" + f.Name
	if f.Short != "" {
		s = "-" + f.Short + ", --" + f.Name
	}
	if f.Arg != "" {
		s += " " + f.Arg
	}
	return s
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return strings.Join(append(lines, line), "\n")
}
