package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

// addonPoll is how often addons:create --wait asks for the add-on's state.
const addonPoll = 500 * time.Millisecond

func addonsCommands() []*command {
	return []*command{{
		Name: "addons", Topic: "addons", App: true,
		Flags:   []Flag{{Name: "all", Usage: "list the add-ons of all your apps"}, jsonFlag},
		Summary: "list an app's add-ons, its own and those attached to it",
		Example: "bera addons -a my-app",
		Run:     runAddons,
	}, {
		Name: "addons:create", Topic: "addons", App: true, Args: "SERVICE[:PLAN] [-- --OPTION VALUE…]", MinArgs: 1, MaxArgs: -1,
		Summary: "create an add-on and attach it to the app",
		Description: "The add-on is provisioned in the background; once it takes connections its URL is set on the app " +
			"in a release (DATABASE_URL for the first heroku-postgresql, REDIS_URL for the first heroku-redis, " +
			"HEROKU_POSTGRESQL_<COLOR>_URL and the like for the next ones, NAME_URL with --as) and the dynos restart. " +
			"Options after -- go to the service, such as --maxmemory_policy allkeys-lru or --tls for heroku-redis.",
		Example: "bera addons:create heroku-postgresql --wait -a my-app",
		Flags: []Flag{{Name: "as", Arg: "NAME", Usage: "name of the attachment: sets NAME_URL"},
			{Name: "name", Arg: "NAME", Usage: "name of the add-on (a generated one by default)"},
			{Name: "wait", Usage: "wait until the add-on is provisioned"}, jsonFlag},
		Run: runAddonsCreate,
	}, {
		Name: "addons:info", Topic: "addons", App: true, Args: "ADDON", MinArgs: 1, MaxArgs: 1, Flags: []Flag{jsonFlag},
		Summary: "show an add-on's plan, state and attachments",
		Example: "bera addons:info redis-curved-12345",
		Run:     runAddonsInfo,
	}, {
		Name: "addons:attach", Topic: "addons", App: true, Args: "ADDON", MinArgs: 1, MaxArgs: 1,
		Summary: "share an add-on with another app: sets its URL there in a release",
		Example: "bera addons:attach postgresql-curved-12345 --as SHARED_DB -a other-app",
		Flags:   []Flag{{Name: "as", Arg: "NAME", Usage: "name of the attachment: sets NAME_URL"}},
		Run:     runAddonsAttach,
	}, {
		Name: "addons:detach", Topic: "addons", App: true, Args: "ATTACHMENT", MinArgs: 1, MaxArgs: 1,
		Summary: "remove an add-on's config var from the app (the add-on stays)",
		Example: "bera addons:detach SHARED_DB -a other-app",
		Run:     runAddonsDetach,
	}, {
		Name: "addons:destroy", Aliases: []string{"addons:remove"}, Topic: "addons", App: true, Args: "ADDON", MinArgs: 1, MaxArgs: 1,
		Summary: "permanently destroy an add-on and its data",
		Description: "Detaches the add-on from every app (a release each), stops its instance and deletes its data. " +
			"This cannot be undone, so --confirm must repeat the name of the add-on's app.",
		Example: "bera addons:destroy redis-curved-12345 -a my-app --confirm my-app",
		Flags:   []Flag{{Name: "confirm", Short: "c", Arg: "APP", Usage: "the add-on's app, to confirm"}},
		Run:     runAddonsDestroy,
	}, {
		Name: "addons:plans", Topic: "addons", Args: "SERVICE", MinArgs: 1, MaxArgs: 1, Flags: []Flag{jsonFlag},
		Summary: "list the plans of an add-on service",
		Example: "bera addons:plans heroku-postgresql",
		Run:     runAddonsPlans,
	}, {
		Name: "addons:services", Topic: "addons", Flags: []Flag{jsonFlag},
		Summary: "list the add-on services this server offers",
		Example: "bera addons:services",
		Run:     runAddonsServices,
	}}
}

// stateWord is the word Heroku's CLI shows for an add-on state.
func stateWord(state string) string {
	switch state {
	case "provisioned":
		return "created"
	case "provisioning":
		return "creating"
	case "deprovisioning":
		return "destroying"
	case "deprovisioned":
		return "errored"
	}
	return state
}

// planPart is the plan's name after "service:".
func planPart(plan string) string {
	_, p, ok := strings.Cut(plan, ":")
	if !ok {
		return plan
	}
	return p
}

func runAddons(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	app := ""
	if !s.opts.Bool("all") {
		if app, err = s.app(); err != nil {
			return err
		}
	}
	list, err := c.Addons(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(list))
	}
	if len(list) == 0 {
		if app == "" {
			fmt.Fprintln(s.stdout, "You have no add-ons.")
		} else {
			fmt.Fprintf(s.stdout, "%s has no add-ons.\n", app)
		}
		return nil
	}
	rows := [][]string{{"Add-on", "Plan", "Price", "State", "As"}}
	for _, a := range list {
		rows = append(rows, []string{a.Name + " (" + a.AddonService.Name + ")", planPart(a.Plan.Name), "free",
			stateWord(a.State), attachedAs(s, c, a, app)})
	}
	printTable(s.stdout, rows)
	return nil
}

// attachedAs lists where an add-on is attached: "REDIS" on app, "CACHE (other-app)"
// elsewhere. Best effort, like the Heroku CLI.
func attachedAs(s *session, c *client.Client, a wire.Addon, app string) string {
	atts, err := c.AddonAttachments(s.ctx, a.ID)
	if err != nil {
		return ""
	}
	var names []string
	for _, t := range atts {
		if t.App.Name == app || (app == "" && t.App.Name == a.App.Name) {
			names = append(names, t.Name)
		} else {
			names = append(names, t.Name+" ("+t.App.Name+")")
		}
	}
	return strings.Join(names, ", ")
}

// addonOptions turns "--key value", "--key=value" and a bare "--flag" into service options.
func addonOptions(args []string) (map[string]wire.ConfigValue, error) {
	opts := map[string]wire.ConfigValue{}
	for i := 0; i < len(args); i++ {
		key, ok := strings.CutPrefix(args[i], "--")
		if !ok || key == "" {
			return nil, usagef("add-on options look like --key value, not %q", args[i])
		}
		if k, v, ok := strings.Cut(key, "="); ok {
			opts[k] = wire.ConfigValue(v)
			continue
		}
		if i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			opts[key] = wire.ConfigValue(args[i+1])
			i++
			continue
		}
		opts[key] = "true"
	}
	return opts, nil
}

func runAddonsCreate(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	opts, err := addonOptions(s.args[1:])
	if err != nil {
		return err
	}
	in := wire.AddonCreate{Plan: wire.NameRef(s.args[0]), Name: s.opts.String("name"), Config: opts}
	if as := s.opts.String("as"); as != "" {
		in.Attachment = &wire.AttachmentName{Name: as}
	}
	a, err := c.CreateAddon(s.ctx, app, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "Creating %s on %s... free\n", a.Plan.Name, app)
	if s.opts.Bool("wait") {
		if a, err = waitAddon(s, c, app, a); err != nil {
			return err
		}
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, a)
	}
	return reportCreated(s, a)
}

// waitAddon polls the add-on until it is no longer provisioning.
func waitAddon(s *session, c *client.Client, app string, a *wire.Addon) (*wire.Addon, error) {
	fmt.Fprintf(s.stderr, "Waiting for %s...\n", a.Name)
	t := time.NewTicker(addonPoll)
	defer t.Stop()
	for a.State == "provisioning" {
		select {
		case <-s.ctx.Done():
			return nil, s.ctx.Err()
		case <-t.C:
		}
		var err error
		if a, err = c.Addon(s.ctx, app, a.ID); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// reportCreated says what addons:create did, as Heroku's CLI does.
func reportCreated(s *session, a *wire.Addon) error {
	vars := strings.Join(a.ConfigVars, ", ")
	switch a.State {
	case "provisioning":
		fmt.Fprintf(s.stdout, "%s is being created in the background. The app will restart when complete...\n", a.Name)
		fmt.Fprintf(s.stdout, "Use bera addons:info %s to check creation progress\n", a.Name)
	case "deprovisioned":
		msg := "provisioning failed"
		if a.ProvisionMessage != nil {
			msg = *a.ProvisionMessage
		}
		return fmt.Errorf("the add-on was unable to be created: %s", msg)
	default:
		fmt.Fprintf(s.stdout, "Created %s as %s\n", a.Name, vars)
	}
	return nil
}

// findAddon returns an add-on by id, name or (with an app) attachment name.
func findAddon(s *session, c *client.Client, key string) (*wire.Addon, error) {
	app, err := s.app()
	if err != nil {
		app = ""
	}
	return c.Addon(s.ctx, app, key)
}

func runAddonsInfo(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	a, err := findAddon(s, c, s.args[0])
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, a)
	}
	atts, err := c.AddonAttachments(s.ctx, a.ID)
	if err != nil {
		return err
	}
	var as []string
	for _, t := range atts {
		as = append(as, t.App.Name+"::"+t.Name)
	}
	header(s.stdout, a.Name)
	printObject(s.stdout, []kv{
		{"Attachments", strings.Join(as, ", ")},
		{"Installed at", humanTime(a.CreatedAt, s.now())},
		{"Owning app", a.App.Name},
		{"Plan", a.Plan.Name},
		{"Price", "free"},
		{"State", stateWord(a.State)},
	})
	if a.ProvisionMessage != nil {
		fmt.Fprintln(s.stdout, *a.ProvisionMessage)
	}
	return nil
}

func runAddonsAttach(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	t, err := c.AttachAddon(s.ctx, wire.AddonAttachmentCreate{Addon: wire.NameRef(s.args[0]), App: wire.NameRef(app),
		Name: s.opts.String("as")})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Attached %s to %s as %s\n", t.Addon.Name, app, strings.Join(t.ConfigVars, ", "))
	return nil
}

func runAddonsDetach(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	t, err := c.AppAttachment(s.ctx, app, s.args[0])
	if err != nil {
		return err
	}
	if _, err := c.DetachAddon(s.ctx, t.ID); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Detached %s (%s) from %s\n", t.Name, t.Addon.Name, app)
	return nil
}

func runAddonsDestroy(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	a, err := findAddon(s, c, s.args[0])
	if err != nil {
		return err
	}
	if s.opts.String("confirm") != a.App.Name {
		return usagef("this permanently destroys %s and its data. To proceed, run again with --confirm %s", a.Name, a.App.Name)
	}
	if _, err := c.DestroyAddon(s.ctx, a.ID); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Destroyed %s on %s\n", a.Name, a.App.Name)
	return nil
}

func runAddonsPlans(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	plans, err := c.AddonPlans(s.ctx, s.args[0])
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(plans))
	}
	rows := [][]string{{"", "Slug", "Name", "Price"}}
	for _, p := range plans {
		def := ""
		if p.Default {
			def = "default"
		}
		rows = append(rows, []string{def, p.Name, p.HumanName, "free"})
	}
	printTable(s.stdout, rows)
	return nil
}

func runAddonsServices(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	svcs, err := c.AddonServices(s.ctx)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(svcs))
	}
	rows := [][]string{{"Slug", "Name", "State"}}
	for _, svc := range svcs {
		rows = append(rows, []string{svc.Name, svc.HumanName, svc.State})
	}
	printTable(s.stdout, rows)
	fmt.Fprintln(s.stdout, "\nSee plans with bera addons:plans SERVICE")
	return nil
}
