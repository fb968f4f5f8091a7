package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/kingvon-ke/bera"
)

const endpointColumns = `e.id, e.app_id, a.name, e.name, e.certificate_chain, e.key_sealed, e.created_at, e.updated_at`

const endpointFrom = ` FROM sni_endpoints e JOIN apps a ON a.id = e.app_id`

// CreateEndpoint stores a manual certificate for an app (ID, Name when empty, and
// timestamps are filled); the private key is sealed. ENotFound "app"; EInvalid (Resource
// "sni_endpoint") for a name in use.
func (s *Store) CreateEndpoint(ctx context.Context, ep *bera.Endpoint) error {
	now := s.now()
	ep.ID, ep.CreatedAt, ep.UpdatedAt = newID(), now, now
	if ep.Name == "" {
		ep.Name = "sni-" + ep.ID[:8]
	}
	sealed, err := s.sealText(ep.PrivateKey)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, ep.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sni_endpoints (id, app_id, name, certificate_chain, key_sealed,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			ep.ID, ep.AppID, ep.Name, ep.CertificateChain, sealed, fmtTime(now), fmtTime(now))
		if isUniqueViolation(err) {
			return &bera.Error{Code: bera.EInvalid, Resource: "sni_endpoint", Message: "Name is already taken."}
		}
		return wrap("insert sni endpoint", err)
	})
}

// ListEndpoints returns an app's manual certificates by name, or every app's when appID is
// "", with private keys opened.
func (s *Store) ListEndpoints(ctx context.Context, appID string) ([]*bera.Endpoint, error) {
	query, args := "SELECT "+endpointColumns+endpointFrom+" ORDER BY e.name", []any{}
	if appID != "" {
		query = "SELECT " + endpointColumns + endpointFrom + " WHERE e.app_id = ? ORDER BY e.name"
		args = append(args, appID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list sni endpoints: %w", err)
	}
	eps, err := collect(rows, s.scanEndpoint)
	return eps, wrap("list sni endpoints", err)
}

// Endpoint returns an app's manual certificate by ID or name. ENotFound "sni_endpoint".
func (s *Store) Endpoint(ctx context.Context, appID, idOrName string) (*bera.Endpoint, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+endpointColumns+endpointFrom+
		" WHERE e.app_id = ? AND (e.id = ? OR e.name = ?)"), appID, idOrName, idOrName)
	ep, err := s.scanEndpoint(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("sni_endpoint")
	}
	return ep, wrap("get sni endpoint", err)
}

func (s *Store) scanEndpoint(sc scanner) (*bera.Endpoint, error) {
	var ep bera.Endpoint
	var sealed, created, updated string
	if err := sc.Scan(&ep.ID, &ep.AppID, &ep.AppName, &ep.Name, &ep.CertificateChain, &sealed, &created, &updated); err != nil {
		return nil, err
	}
	key, err := s.openText(sealed)
	if err != nil {
		return nil, err
	}
	ep.PrivateKey = key
	return &ep, parseTimes(&ep.CreatedAt, created, &ep.UpdatedAt, updated)
}

// UpdateEndpoint replaces the certificate chain and key of an app's manual certificate.
// ENotFound "sni_endpoint".
func (s *Store) UpdateEndpoint(ctx context.Context, appID, idOrName, chain, key string) (*bera.Endpoint, error) {
	sealed, err := s.sealText(key)
	if err != nil {
		return nil, err
	}
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE sni_endpoints SET certificate_chain = ?, key_sealed = ?, updated_at = ?
		WHERE app_id = ? AND (id = ? OR name = ?)`), chain, sealed, fmtTime(s.now()), appID, idOrName, idOrName)
	if err != nil {
		return nil, fmt.Errorf("update sni endpoint: %w", err)
	}
	if err := rowsAffected(res, "sni_endpoint"); err != nil {
		return nil, err
	}
	return s.Endpoint(ctx, appID, idOrName)
}

// DeleteEndpoint removes an app's manual certificate by ID or name; domains it served lose
// their link to it. ENotFound "sni_endpoint".
func (s *Store) DeleteEndpoint(ctx context.Context, appID, idOrName string) error {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM sni_endpoints WHERE app_id = ? AND (id = ? OR name = ?)"),
		appID, idOrName, idOrName)
	if err != nil {
		return fmt.Errorf("delete sni endpoint: %w", err)
	}
	return rowsAffected(res, "sni_endpoint")
}

// sealText encrypts a secret as base64 text.
func (s *Store) sealText(plain string) (string, error) {
	sealed, err := s.cipher.Seal([]byte(plain))
	if err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// openText decrypts what sealText returned.
func (s *Store) openText(text string) (string, error) {
	sealed, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return "", fmt.Errorf("decode sealed secret: %w", err)
	}
	plain, err := s.cipher.Open(sealed)
	if err != nil {
		return "", fmt.Errorf("open secret: %w", err)
	}
	return string(plain), nil
}
