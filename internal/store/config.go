package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/kingvon-ke/bera"
)

// ConfigVars returns the app's current config vars (decrypted). Never nil.
// ENotFound "app" when the app does not exist.
func (s *Store) ConfigVars(ctx context.Context, appID string) (map[string]string, error) {
	return s.configVars(ctx, s.r, appID)
}

func (s *Store) configVars(ctx context.Context, db querier, appID string) (map[string]string, error) {
	var sealed string
	err := db.QueryRowContext(ctx, s.q("SELECT sealed FROM app_config WHERE app_id = ?"), appID).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("app")
	}
	if err != nil {
		return nil, fmt.Errorf("get config vars: %w", err)
	}
	return s.openConfig(sealed)
}

// UpdateConfigVars applies changes to the current config and, in the same transaction,
// creates the next release (version = max+1, status succeeded, SlugID and add-on plans of the
// current release, Config = the new config, Description = bera.ConfigDescription(changes),
// UserID = userID). Returns the new full config and the release. With no effective change it
// still creates a release (Heroku does). ENotFound "app".
func (s *Store) UpdateConfigVars(ctx context.Context, appID, userID string, changes []bera.ConfigChange) (map[string]string, *bera.Release, error) {
	rel, err := s.WriteRelease(ctx, bera.NewRelease{AppID: appID, Description: bera.ConfigDescription(changes),
		UserID: userID, ConfigChanges: changes})
	if err != nil {
		return nil, nil, err
	}
	return maps.Clone(rel.Config), rel, nil
}

func applyConfigChanges(cfg map[string]string, changes []bera.ConfigChange) {
	for _, c := range changes {
		if c.Value == nil {
			delete(cfg, c.Key)
		} else {
			cfg[c.Key] = *c.Value
		}
	}
}

// writeRelease seals rel.Config once, makes it the app's current config and inserts rel as
// the next version.
func (s *Store) writeRelease(ctx context.Context, tx *sql.Tx, rel *bera.Release) error {
	sealed, err := s.sealConfig(rel.Config)
	if err != nil {
		return err
	}
	now := s.now()
	if err := s.writeConfig(ctx, tx, rel.AppID, sealed, now); err != nil {
		return err
	}
	return s.insertRelease(ctx, tx, rel, sealed, now)
}

// writeConfig stores the sealed current config of an app.
func (s *Store) writeConfig(ctx context.Context, tx *sql.Tx, appID, sealed string, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_config (app_id, sealed, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (app_id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`),
		appID, sealed, fmtTime(now))
	if err != nil {
		return fmt.Errorf("write config vars: %w", err)
	}
	return nil
}

// sealConfig encrypts a config map as base64 text; nil is stored as an empty map.
func (s *Store) sealConfig(cfg map[string]string) (string, error) {
	if cfg == nil {
		cfg = map[string]string{}
	}
	plain, err := json.Marshal(cfg)
	if err != nil {
		return "", fmt.Errorf("encode config vars: %w", err)
	}
	sealed, err := s.cipher.Seal(plain)
	if err != nil {
		return "", fmt.Errorf("seal config vars: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openConfig decrypts what sealConfig returned. The result is never nil.
func (s *Store) openConfig(text string) (map[string]string, error) {
	sealed, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("decode sealed config vars: %w", err)
	}
	plain, err := s.cipher.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("open config vars: %w", err)
	}
	cfg := map[string]string{}
	if err := json.Unmarshal(plain, &cfg); err != nil {
		return nil, fmt.Errorf("decode config vars: %w", err)
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	return cfg, nil
}
