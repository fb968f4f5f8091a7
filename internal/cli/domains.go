package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

var waitFlag = Flag{Name: "wait", Usage: "wait until the domain is ready (and its automatic certificate issued)"}

func domainsCommands() []*command {
	return []*command{{
		Name: "domains", Aliases: []string{"domains:list"}, Topic: "domains", App: true,
		Summary: "list an app's domains", Example: "bera domains -a my-app",
		Flags: []Flag{jsonFlag}, Run: runDomains,
	}, {
		Name: "domains:add", Topic: "domains", App: true, Args: "HOSTNAME", MinArgs: 1, MaxArgs: 1,
		Summary:     "add a custom domain to an app",
		Description: "Route HOSTNAME to the app. Point a CNAME record for it at the DNS target shown. With automatic certificates on (certs:auto:enable), a certificate is obtained for it.",
		Example:     "bera domains:add www.example.com -a my-app",
		Flags:       []Flag{waitFlag, {Name: "cert", Arg: "NAME", Usage: "manual certificate (SNI endpoint) to serve it with"}, jsonFlag},
		Run:         runDomainsAdd,
	}, {
		Name: "domains:remove", Topic: "domains", App: true, Args: "HOSTNAME", MinArgs: 1, MaxArgs: 1,
		Summary: "remove a custom domain from an app", Example: "bera domains:remove www.example.com -a my-app",
		Run: runDomainsRemove,
	}, {
		Name: "domains:info", Topic: "domains", App: true, Args: "HOSTNAME", MinArgs: 1, MaxArgs: 1,
		Summary: "show a domain", Example: "bera domains:info www.example.com -a my-app",
		Flags: []Flag{jsonFlag}, Run: runDomainsInfo,
	}, {
		Name: "domains:wait", Topic: "domains", App: true, Args: "[HOSTNAME]", MaxArgs: 1,
		Summary: "wait for a domain (or all of the app's) to be ready", Example: "bera domains:wait www.example.com -a my-app",
		Run: runDomainsWait,
	}}
}

func runDomains(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	ds, err := c.Domains(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(ds))
	}
	rows := [][]string{{"Domain Name", "DNS Record Type", "DNS Target", "SNI Endpoint"}}
	for _, d := range ds {
		if d.Kind == "heroku" {
			header(s.stdout, app+" Heroku Domain")
			fmt.Fprintln(s.stdout, d.Hostname)
			continue
		}
		rows = append(rows, []string{d.Hostname, "CNAME", deref(d.CNAME), endpointName(d.SNIEndpoint)})
	}
	if len(rows) > 1 {
		fmt.Fprintln(s.stdout)
		header(s.stdout, app+" Custom Domains")
		printTable(s.stdout, rows)
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func endpointName(e *wire.IDName) string {
	if e == nil {
		return ""
	}
	return e.Name
}

func runDomainsAdd(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	in := wire.DomainCreate{Hostname: s.args[0]}
	if cert := s.opts.String("cert"); cert != "" {
		in.SNIEndpoint = &cert
	}
	d, err := c.AddDomain(s.ctx, app, in)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, d)
	}
	fmt.Fprintf(s.stdout, "Adding %s to %s... done\n", d.Hostname, app)
	fmt.Fprintf(s.stdout, "Configure your app's DNS provider to point to the DNS Target %s.\n", deref(d.CNAME))
	if s.opts.Bool("wait") {
		return waitDomain(s, c, app, d.Hostname)
	}
	return nil
}

func runDomainsRemove(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if err := c.RemoveDomain(s.ctx, app, s.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Removing %s from %s... done\n", s.args[0], app)
	return nil
}

func runDomainsInfo(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	d, err := c.Domain(s.ctx, app, s.args[0])
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, d)
	}
	header(s.stdout, d.Hostname)
	printObject(s.stdout, []kv{{"Hostname", d.Hostname}, {"Kind", d.Kind}, {"DNS Target", deref(d.CNAME)},
		{"Status", d.Status}, {"ACM Status", deref(d.ACMStatus)}, {"ACM Status Reason", deref(d.ACMStatusReason)},
		{"SNI Endpoint", endpointName(d.SNIEndpoint)}, {"App", d.App.Name}, {"Created", d.CreatedAt}, {"Updated", d.UpdatedAt}})
	return nil
}

func runDomainsWait(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	host := ""
	if len(s.args) > 0 {
		host = s.args[0]
	}
	return waitDomain(s, c, app, host)
}

// domainWaitTimeout bounds domains:wait.
const domainWaitTimeout = 10 * time.Minute

// waitDomain polls until the named custom domain (or every one when host is "") is no longer
// pending, and no longer waiting for an automatic certificate. A failed one is an error.
func waitDomain(s *session, c *client.Client, app, host string) error {
	ctx, cancel := context.WithTimeout(s.ctx, domainWaitTimeout)
	defer cancel()
	fmt.Fprintf(s.stderr, "Waiting for %s...", orAll(host))
	for {
		ds, err := c.Domains(ctx, app)
		if err != nil {
			return err
		}
		done, err := domainsReady(ds, host)
		if done || err != nil {
			fmt.Fprintln(s.stderr, map[bool]string{true: " done", false: " failed"}[err == nil])
			return err
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			fmt.Fprintln(s.stderr)
			return fmt.Errorf("gave up waiting for %s: %w", orAll(host), ctx.Err())
		case <-t.C:
		}
	}
}

func orAll(host string) string {
	if host == "" {
		return "the app's domains"
	}
	return host
}

// domainsReady reports whether the custom domains named by host ("" = all) are ready.
func domainsReady(ds []wire.Domain, host string) (bool, error) {
	found := false
	for _, d := range ds {
		if d.Kind == "heroku" || (host != "" && d.Hostname != host && d.ID != host) {
			continue
		}
		found = true
		acm := deref(d.ACMStatus)
		switch {
		case d.Status == "failed" || acm == "failed":
			return true, fmt.Errorf("%s failed: %s", d.Hostname, deref(d.ACMStatusReason))
		case d.Status == "pending" || acm == "pending":
			return false, nil
		}
	}
	if !found && host != "" {
		return true, errors.New("couldn't find the domain " + host)
	}
	return true, nil
}

func certsCommands() []*command {
	return []*command{{
		Name: "certs", Aliases: []string{"certs:list"}, Topic: "certs", App: true,
		Summary: "list an app's manual certificates", Example: "bera certs -a my-app",
		Flags: []Flag{jsonFlag}, Run: runCerts,
	}, {
		Name: "certs:add", Topic: "certs", App: true, Args: "CERT KEY", MinArgs: 2, MaxArgs: 2,
		Summary:     "add a manual certificate, served by SNI for the names it covers",
		Description: "CERT is a PEM file with the certificate followed by its intermediates; KEY is its PEM private key.",
		Example:     "bera certs:add server.crt server.key -a my-app",
		Flags:       []Flag{{Name: "name", Arg: "NAME", Usage: "name of the certificate (default: generated)"}},
		Run:         runCertsAdd,
	}, {
		Name: "certs:remove", Topic: "certs", App: true, Args: "NAME", MinArgs: 1, MaxArgs: 1,
		Summary: "remove a manual certificate", Example: "bera certs:remove sni-1a2b3c4d -a my-app",
		Run: runCertsRemove,
	}, {
		Name: "certs:auto", Topic: "certs", App: true,
		Summary: "show the automatic certificate status of an app's domains", Example: "bera certs:auto -a my-app",
		Run: runCertsAuto,
	}, {
		Name: "certs:auto:enable", Topic: "certs", App: true,
		Summary: "obtain and renew certificates for the app's custom domains automatically (ACME)",
		Example: "bera certs:auto:enable -a my-app",
		Flags:   []Flag{waitFlag},
		Run:     func(s *session) error { return runCertsAutoSet(s, true) },
	}, {
		Name: "certs:auto:disable", Topic: "certs", App: true,
		Summary: "stop managing certificates automatically", Example: "bera certs:auto:disable -a my-app",
		Run: func(s *session) error { return runCertsAutoSet(s, false) },
	}}
}

func runCerts(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	eps, err := c.SNIEndpoints(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(eps))
	}
	if len(eps) == 0 {
		fmt.Fprintf(s.stdout, "%s has no SSL certificates.\n", app)
		return nil
	}
	rows := [][]string{{"Name", "Common Name(s)", "Expires", "Trusted", "Type"}}
	for _, e := range eps {
		rows = append(rows, []string{e.Name, strings.Join(e.SSLCert.CertDomains, ", "), e.SSLCert.ExpiresAt,
			map[bool]string{true: "True", false: "False"}[e.SSLCert.CASigned], "SNI"})
	}
	printTable(s.stdout, rows)
	return nil
}

func runCertsAdd(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	chain, err := os.ReadFile(s.args[0])
	if err != nil {
		return fmt.Errorf("read certificate: %w", err)
	}
	key, err := os.ReadFile(s.args[1])
	if err != nil {
		return fmt.Errorf("read key: %w", err)
	}
	in := wire.SNIEndpointCreate{CertificateChain: string(chain), Name: s.opts.String("name"), PrivateKey: string(key)}
	ep, err := c.AddSNIEndpoint(s.ctx, app, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Adding SSL certificate to %s... done\n", app)
	fmt.Fprintf(s.stdout, "%s is serving %s (expires %s).\n", ep.Name, strings.Join(ep.SSLCert.CertDomains, ", "), ep.SSLCert.ExpiresAt)
	return nil
}

func runCertsRemove(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if err := c.RemoveSNIEndpoint(s.ctx, app, s.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Removing SSL certificate %s from %s... done\n", s.args[0], app)
	return nil
}

func runCertsAuto(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	ds, err := c.Domains(s.ctx, app)
	if err != nil {
		return err
	}
	rows := [][]string{{"Domain", "Status", "Reason"}}
	on := false
	for _, d := range ds {
		if d.Kind == "heroku" {
			continue
		}
		on = on || d.ACMStatus != nil
		rows = append(rows, []string{d.Hostname, deref(d.ACMStatus), deref(d.ACMStatusReason)})
	}
	if !on {
		fmt.Fprintf(s.stdout, "Automatic certificate management is disabled or %s has no custom domains.\n", app)
		return nil
	}
	header(s.stdout, "Automatic Certificate Management is enabled on "+app)
	fmt.Fprintln(s.stdout)
	printTable(s.stdout, rows)
	return nil
}

func runCertsAutoSet(s *session, on bool) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	verb := "Enabling"
	if !on {
		verb = "Disabling"
	}
	if err := c.SetACM(s.ctx, app, on); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "%s Automatic Certificate Management for %s... done\n", verb, app)
	if on && s.opts.Bool("wait") {
		return waitDomain(s, c, app, "")
	}
	return nil
}
