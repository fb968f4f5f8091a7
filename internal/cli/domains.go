package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
)

// domain is the API's domain object (Heroku's shape).
type domain struct {
	ID              string         `json:"id"`
	Hostname        string         `json:"hostname"`
	Kind            string         `json:"kind"`
	CNAME           *string        `json:"cname"`
	Status          string         `json:"status"`
	ACMStatus       *string        `json:"acm_status"`
	ACMStatusReason *string        `json:"acm_status_reason"`
	SNIEndpoint     *client.IDName `json:"sni_endpoint"`
	App             client.IDName  `json:"app"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
}

// sniEndpoint is the API's sni-endpoint object (a manual certificate).
type sniEndpoint struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Domains []string `json:"domains"`
	SSLCert struct {
		CertDomains []string `json:"cert_domains"`
		ExpiresAt   string   `json:"expires_at"`
		Issuer      string   `json:"issuer"`
		SelfSigned  bool     `json:"self_signed?"`
		CASigned    bool     `json:"ca_signed?"`
		Subject     string   `json:"subject"`
	} `json:"ssl_cert"`
}

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

func domainsPath(app string, rest ...string) string {
	p := "/apps/" + url.PathEscape(app)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

func listDomains(ctx context.Context, c *client.Client, app string) ([]domain, error) {
	return client.List[domain](ctx, c, domainsPath(app, "domains"), "id ..; max=1000;")
}

func runDomains(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	ds, err := listDomains(s.ctx, c, app)
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

func endpointName(e *client.IDName) string {
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
	body := map[string]any{"hostname": s.args[0], "sni_endpoint": nil}
	if cert := s.opts.String("cert"); cert != "" {
		body["sni_endpoint"] = cert
	}
	var d domain
	if err := c.Do(s.ctx, http.MethodPost, domainsPath(app, "domains"), body, &d); err != nil {
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
	if err := c.Do(s.ctx, http.MethodDelete, domainsPath(app, "domains", s.args[0]), nil, nil); err != nil {
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
	var d domain
	if err := c.Do(s.ctx, http.MethodGet, domainsPath(app, "domains", s.args[0]), nil, &d); err != nil {
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
		ds, err := listDomains(ctx, c, app)
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
func domainsReady(ds []domain, host string) (bool, error) {
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
	var eps []sniEndpoint
	if err := c.Do(s.ctx, http.MethodGet, domainsPath(app, "sni-endpoints"), nil, &eps); err != nil {
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
	body := map[string]string{"certificate_chain": string(chain), "private_key": string(key), "name": s.opts.String("name")}
	var ep sniEndpoint
	if err := c.Do(s.ctx, http.MethodPost, domainsPath(app, "sni-endpoints"), body, &ep); err != nil {
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
	if err := c.Do(s.ctx, http.MethodDelete, domainsPath(app, "sni-endpoints", s.args[0]), nil, nil); err != nil {
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
	ds, err := listDomains(s.ctx, c, app)
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
	method, verb := http.MethodPost, "Enabling"
	if !on {
		method, verb = http.MethodDelete, "Disabling"
	}
	if err := c.Do(s.ctx, method, domainsPath(app, "acm"), nil, nil); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "%s Automatic Certificate Management for %s... done\n", verb, app)
	if on && s.opts.Bool("wait") {
		return waitDomain(s, c, app, "")
	}
	return nil
}
