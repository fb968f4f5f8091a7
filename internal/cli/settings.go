package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/kingvon-ke/bera/internal/cli/netrc"
	"github.com/kingvon-ke/bera/internal/client"
)

// settings is the CLI's config file, $XDG_CONFIG_HOME/bera/config.json.
type settings struct {
	APIURL string `json:"api_url,omitempty"`
	CACert string `json:"ca_cert,omitempty"` // PEM file of an extra CA for https APIs
}

// settingsPath returns where the config file lives.
func (s *session) settingsPath() (string, error) {
	dir := s.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find config dir: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "bera", "config.json"), nil
}

// loadSettings reads the config file; a missing file gives empty settings.
func (s *session) loadSettings() (settings, error) {
	var st settings
	p, err := s.settingsPath()
	if err != nil {
		return st, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read config: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return st, fmt.Errorf("read config %s: %w", p, err)
	}
	return st, nil
}

// saveSettings writes the config file (mode 0600).
func (s *session) saveSettings(st settings) error {
	p, err := s.settingsPath()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(p, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}

// apiURL is BERA_API_URL, else the URL saved by `bera login --api-url`, else the default.
func (s *session) apiURL() (*url.URL, error) {
	raw := s.getenv("BERA_API_URL")
	if raw == "" {
		st, err := s.loadSettings()
		if err != nil {
			return nil, err
		}
		raw = st.APIURL
	}
	if raw == "" {
		raw = client.DefaultURL
	}
	return parseAPIURL(raw)
}

// parseAPIURL checks an API URL given by the user.
func parseAPIURL(raw string) (*url.URL, error) {
	u, err := client.ParseURL(raw)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return u, nil
}

// caCert is BERA_CA_CERT, else the config file's ca_cert.
func (s *session) caCert() string {
	if f := s.getenv("BERA_CA_CERT"); f != "" {
		return f
	}
	st, _ := s.loadSettings()
	return st.CACert
}

// netrcPath is ~/.netrc.
func netrcPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find home dir: %w", err)
	}
	return filepath.Join(home, ".netrc"), nil
}

// apiKey is BERA_API_KEY, then HEROKU_API_KEY, then the ~/.netrc password for the API host
// (host:port, then host alone).
func (s *session) apiKey(u *url.URL) (string, error) {
	for _, name := range []string{"BERA_API_KEY", "HEROKU_API_KEY"} {
		if k := s.getenv(name); k != "" {
			return k, nil
		}
	}
	p, err := netrcPath()
	if err != nil {
		return "", err
	}
	f, err := netrc.Load(p)
	if err != nil {
		return "", err
	}
	for _, m := range []string{u.Host, u.Hostname()} {
		if _, pw, ok := f.Lookup(m); ok && pw != "" {
			return pw, nil
		}
	}
	return "", usagef("not logged in to %s. Run \"bera login\" or set BERA_API_KEY.", u.Host)
}

// client returns the API client, authenticated with the resolved key.
func (s *session) client() (*client.Client, error) {
	if s.api != nil {
		return s.api, nil
	}
	u, err := s.apiURL()
	if err != nil {
		return nil, err
	}
	key, err := s.apiKey(u)
	if err != nil {
		return nil, err
	}
	s.api, err = s.newClient(u.String(), key)
	return s.api, err
}

// newClient returns a client for url with key (which may be empty).
func (s *session) newClient(apiURL, key string) (*client.Client, error) {
	return client.New(client.Config{URL: apiURL, APIKey: key, CACertFile: s.caCert(), UserAgent: "bera-cli"})
}

// errNoApp is returned when no app was named and none can be inferred.
var errNoApp = usagef("No app specified. Use -a APP or run inside a directory with a bera git remote.")

// app is -a/--app, else BERA_APP, else the app of the current directory's bera git remote.
func (s *session) app() (string, error) {
	if a := s.opts.String("app"); a != "" {
		return a, nil
	}
	if a := s.getenv("BERA_APP"); a != "" {
		return a, nil
	}
	u, err := s.apiURL()
	if err != nil {
		return "", err
	}
	remote, err := gitConfigGet(s.ctx, "remote.bera.url")
	if err != nil || remote == "" {
		return "", errNoApp
	}
	if name, ok := appFromGitURL(remote, u); ok {
		return name, nil
	}
	return "", errNoApp
}
