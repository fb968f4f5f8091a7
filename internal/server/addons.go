package server

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/postgres"
	"github.com/kingvon-ke/bera/internal/addons/redis"
	"github.com/kingvon-ke/bera/internal/pki"
	"github.com/kingvon-ke/bera/internal/secret"
)

// dataChildren are DATA's directories made after the start (first push, first deploy,
// first runc dyno): openData makes them 0700 up front, so that DATA's o+x opens none of them.
var dataChildren = []string{"builds", "cache", "repos", "runc", "slugdirs", "slugs"}

// openData makes DATA searchable by others (0711) when the server runs as root, as the
// add-on instances' own uids need to reach DATA/addons, without opening anything else: the
// other entries of DATA lose their group and other bits (ca.pem, the public certificate,
// stays readable) and the directories made later exist already as 0700. Not as root the
// instances run as the server's user and DATA stays as it is.
func openData(data string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, name := range dataChildren {
		if err := os.Mkdir(filepath.Join(data, name), 0o700); err != nil && !os.IsExist(err) {
			return err
		}
	}
	entries, err := os.ReadDir(data)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "addons" || e.Name() == "ca.pem" {
			continue
		}
		if err := closeToOthers(filepath.Join(data, e.Name())); err != nil {
			return err
		}
	}
	return os.Chmod(data, 0o711)
}

// closeToOthers removes the group and other bits of path (not following a symlink).
func closeToOthers(path string) error {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return os.Chmod(path, perm&^0o077)
	}
	return nil
}

// newAddons opens the add-on providers on DATA/addons: heroku-redis, and heroku-postgresql
// (dedicated plans, and the shared plan on --addon-postgres-url). A provider whose
// programs are missing is left out with a warning; none at all gives a registry without
// services. Instances outlive the server: the registry's Close leaves them running and the
// next server adopts them. They listen on 127.0.0.1 and on dynoHost, the address at which
// dynos reach the host, which their URLs name.
func (s *Server) newAddons(key []byte, dynoHost string) (*addons.Registry, error) {
	cfg, log := &s.cfg, s.log
	if err := openData(cfg.Data); err != nil {
		return nil, fmt.Errorf("data dir for add-ons: %w", err)
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, err
	}
	ca, err := pki.LoadOrCreateCA(cfg.Data)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(cfg.Data, "addons")
	ports := &addons.Ports{Host: "127.0.0.1", DynoHost: dynoHost}
	addonLog := log.With("component", "addons")
	var provs []addons.Provider
	if p, err := redis.New(redis.Config{Root: root, Ports: ports, Box: box, CA: ca, Logger: addonLog}); err != nil {
		log.Warn("heroku-redis add-ons disabled", "err", err)
	} else {
		provs = append(provs, p)
	}
	if p, err := postgres.New(postgres.Config{Root: root, Ports: ports, Box: box, CA: ca, SharedURL: cfg.AddonPostgresURL, Logger: addonLog}); err != nil {
		log.Warn("heroku-postgresql add-ons disabled", "err", err)
	} else {
		provs = append(provs, p)
	}
	reg, err := addons.NewRegistry(provs...)
	if err != nil {
		return nil, err
	}
	s.onClose(reg.Close)
	return reg, nil
}
