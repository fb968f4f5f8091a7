package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/kingvon-ke/bera/internal/cli/netrc"
	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

func authCommands() []*command {
	return []*command{{
		Name:    "login",
		Aliases: []string{"auth:login"},
		Topic:   "auth",
		Summary: "log in with your email and password, or an API key",
		Description: "Log in to a Bera server and save the credentials in ~/.netrc for the API host " +
			"(host:port, used by bera) and the git host (host, used by git and curl). " +
			"With --api-url, also remember the server's URL for later commands.",
		Example: "bera login --api-url https://bera.example.com --api-key $KEY",
		Flags: []Flag{
			{Name: "api-key", Arg: "KEY", Usage: "log in with an existing API key instead of a password"},
			{Name: "api-url", Arg: "URL", Usage: "the Bera API to log in to, saved for later commands"},
		},
		Run: runLogin,
	}, {
		Name:    "logout",
		Aliases: []string{"auth:logout"},
		Topic:   "auth",
		Summary: "remove the saved credentials of the API host from ~/.netrc",
		Example: "bera logout",
		Run:     runLogout,
	}, {
		Name:    "auth:whoami",
		Aliases: []string{"whoami"},
		Topic:   "auth",
		Summary: "show the email of the logged-in user",
		Example: "bera auth:whoami",
		Run:     runWhoami,
	}, {
		Name:        "auth:token",
		Topic:       "auth",
		Summary:     "print the API key in use",
		Description: "Print the API key bera would send (from BERA_API_KEY, HEROKU_API_KEY or ~/.netrc).",
		Example:     "curl -H \"Authorization: Bearer $(bera auth:token)\" http://127.0.0.1:3000/account",
		Run:         runToken,
	}}
}

func runLogin(s *session) error {
	u, err := s.loginURL()
	if err != nil {
		return err
	}
	email, key, err := s.obtainKey(u)
	if err != nil {
		return err
	}
	if err := saveCredentials(u, email, key); err != nil {
		return err
	}
	if s.opts.Has("api-url") {
		st, err := s.loadSettings()
		if err != nil {
			return err
		}
		st.APIURL = u.String()
		if err := s.saveSettings(st); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.stdout, "Logged in as %s\n", email)
	return nil
}

// loginURL is --api-url when given, else the usual API URL.
func (s *session) loginURL() (*url.URL, error) {
	if raw := s.opts.String("api-url"); raw != "" {
		return parseAPIURL(raw)
	}
	return s.apiURL()
}

// obtainKey verifies --api-key with GET /account, or trades an email and password for a new
// API key with POST /oauth/authorizations. It returns the account email and the key.
func (s *session) obtainKey(u *url.URL) (email, key string, err error) {
	if key = s.opts.String("api-key"); key != "" {
		c, err := s.newClient(u.String(), key)
		if err != nil {
			return "", "", err
		}
		acct, err := c.Account(s.ctx)
		if err := checkBeraAccount(u, acct, err); err != nil {
			return "", "", err
		}
		return acct.Email, key, nil
	}
	email, password, err := s.promptCredentials(u)
	if err != nil {
		return "", "", err
	}
	c, err := s.newClient(u.String(), "")
	if err != nil {
		return "", "", err
	}
	host, _ := os.Hostname()
	auth, err := c.CreateAuthorization(s.ctx, email, password, "Bera CLI login from "+host)
	if err != nil {
		return "", "", err
	}
	if auth.User.Email != "" {
		email = auth.User.Email
	}
	if auth.AccessToken.Token == "" {
		return "", "", fmt.Errorf("log in: the server returned no access token")
	}
	return email, auth.AccessToken.Token, nil
}

// checkBeraAccount returns err, the outcome of GET /account on the server at u, when the
// server answered the way a Bera (or Heroku) API does; otherwise an error saying that u is
// not one, so that nothing is saved for a wrong URL or port.
func checkBeraAccount(u *url.URL, acct *wire.Account, err error) error {
	var apiErr *client.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &apiErr) && apiErr.ID == "":
		// An error that is not {"id": …, "message": …}.
		return notBera(u, "answered HTTP "+strconv.Itoa(apiErr.StatusCode))
	case errors.As(err, &syntaxErr) || errors.As(err, &typeErr):
		return notBera(u, "answered something other than JSON")
	case err != nil:
		return err
	case acct.ID == "" || acct.Email == "":
		return notBera(u, "answered without an account")
	}
	return nil
}

// notBera is the error for a server that does not speak the Bera API.
func notBera(u *url.URL, what string) error {
	return fmt.Errorf("%s is not a Bera API: GET /account %s; check --api-url or BERA_API_URL (see bera help)", u.Redacted(), what)
}

// promptCredentials asks for an email and a password on stderr. The password is not echoed
// when stdin is a terminal; otherwise it is read as the next line (for scripts).
func (s *session) promptCredentials(u *url.URL) (email, password string, err error) {
	fmt.Fprintf(s.stderr, "Log in to %s\nEmail: ", u.Host)
	in := bufio.NewReader(s.stdin)
	email, err = readLine(in)
	if err != nil || email == "" {
		return "", "", usagef("no email given")
	}
	fmt.Fprint(s.stderr, "Password: ")
	if f, ok := s.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(s.stderr)
		if err != nil {
			return "", "", fmt.Errorf("read password: %w", err)
		}
		return email, string(b), nil
	}
	password, err = readLine(in)
	fmt.Fprintln(s.stderr)
	if err != nil {
		return "", "", usagef("no password given")
	}
	return email, password, nil
}

// readLine reads one line without its line ending; io.EOF only when nothing was read.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimRight(line, "\r\n"), err
}

// saveCredentials writes login=email password=key for host:port and host into ~/.netrc.
func saveCredentials(u *url.URL, email, key string) error {
	p, err := netrcPath()
	if err != nil {
		return err
	}
	f, err := netrc.Load(p)
	if err != nil {
		return err
	}
	for _, m := range netrcMachines(u) {
		f.Set(m, email, key)
	}
	return f.Save(p)
}

// netrcMachines are the machine names for an API URL: host:port (the Heroku CLI's form)
// and host alone (what curl and so git match).
func netrcMachines(u *url.URL) []string {
	if u.Port() == "" {
		return []string{u.Hostname()}
	}
	return []string{u.Host, u.Hostname()}
}

func runLogout(s *session) error {
	u, err := s.apiURL()
	if err != nil {
		return err
	}
	p, err := netrcPath()
	if err != nil {
		return err
	}
	f, err := netrc.Load(p)
	if err != nil {
		return err
	}
	removed := false
	for _, m := range netrcMachines(u) {
		removed = f.Remove(m) || removed
	}
	if removed {
		if err := f.Save(p); err != nil {
			return err
		}
	}
	fmt.Fprintln(s.stdout, "Logged out of "+u.Host)
	return nil
}

func runWhoami(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	acct, err := c.Account(s.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.stdout, acct.Email)
	return nil
}

func runToken(s *session) error {
	u, err := s.apiURL()
	if err != nil {
		return err
	}
	key, err := s.apiKey(u)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.stdout, key)
	return nil
}
