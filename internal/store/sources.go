package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/kingvon-ke/bera"
)

const sourceColumns = `app_id, repo_url, branch, auto_deploy, wait_for_ci, github_repo, webhook_secret,
	last_commit, pending_commit, created_at, updated_at`

// AppSource returns the source settings of an app. ENotFound "source" when it has none.
func (s *Store) AppSource(ctx context.Context, appID string) (*bera.AppSource, error) {
	row := s.r.QueryRowContext(ctx, s.q("SELECT "+sourceColumns+" FROM app_sources WHERE app_id = ?"), appID)
	src, err := s.scanSource(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bera404("source")
	}
	if err != nil {
		return nil, fmt.Errorf("get app source: %w", err)
	}
	return src, nil
}

// PutAppSource creates or replaces the source settings of src.AppID and sets its
// timestamps. ENotFound "app" when the app does not exist.
func (s *Store) PutAppSource(ctx context.Context, src *bera.AppSource) error {
	sealed, err := s.sealSecret(src.WebhookSecret)
	if err != nil {
		return err
	}
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockApp(ctx, tx, src.AppID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO app_sources (`+sourceColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (app_id) DO UPDATE SET repo_url = excluded.repo_url, branch = excluded.branch,
			auto_deploy = excluded.auto_deploy, wait_for_ci = excluded.wait_for_ci,
			github_repo = excluded.github_repo, webhook_secret = excluded.webhook_secret,
			last_commit = excluded.last_commit, pending_commit = excluded.pending_commit,
			updated_at = excluded.updated_at`),
			src.AppID, src.RepoURL, src.Branch, src.AutoDeploy, src.WaitForCI, src.GitHubRepo, sealed,
			src.LastCommit, src.PendingCommit, fmtTime(now), fmtTime(now))
		if err != nil {
			return fmt.Errorf("put app source: %w", err)
		}
		src.UpdatedAt = now
		if src.CreatedAt.IsZero() {
			src.CreatedAt = now
		}
		return nil
	})
}

// SetSourceCommits records the last deployed and the pending commit of an app's source;
// a nil pointer leaves that column unchanged. ENotFound "source".
func (s *Store) SetSourceCommits(ctx context.Context, appID string, last, pending *string) error {
	res, err := s.w.ExecContext(ctx, s.q(`UPDATE app_sources SET last_commit = COALESCE(?, last_commit),
		pending_commit = COALESCE(?, pending_commit), updated_at = ? WHERE app_id = ?`),
		last, pending, fmtTime(s.now()), appID)
	if err != nil {
		return fmt.Errorf("set source commits: %w", err)
	}
	return rowsAffected(res, "source")
}

// AppSourcesByGitHubRepo returns the sources connected to a GitHub repository ("owner/name",
// compared case-insensitively).
func (s *Store) AppSourcesByGitHubRepo(ctx context.Context, fullName string) ([]*bera.AppSource, error) {
	return s.listSources(ctx, "WHERE lower(github_repo) = ? AND github_repo <> ''", strings.ToLower(fullName))
}

// AutoDeploySources returns the sources with auto-deploy on and a repository URL, which a
// poller watches for new commits.
func (s *Store) AutoDeploySources(ctx context.Context) ([]*bera.AppSource, error) {
	return s.listSources(ctx, "WHERE auto_deploy = ? AND repo_url <> ''", true)
}

func (s *Store) listSources(ctx context.Context, where string, args ...any) ([]*bera.AppSource, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+sourceColumns+" FROM app_sources "+where+" ORDER BY app_id"), args...)
	if err != nil {
		return nil, fmt.Errorf("list app sources: %w", err)
	}
	srcs, err := collect(rows, s.scanSource)
	if err != nil {
		return nil, fmt.Errorf("list app sources: %w", err)
	}
	return srcs, nil
}

func (s *Store) scanSource(sc scanner) (*bera.AppSource, error) {
	var src bera.AppSource
	var sealed, created, updated string
	err := sc.Scan(&src.AppID, &src.RepoURL, &src.Branch, &src.AutoDeploy, &src.WaitForCI, &src.GitHubRepo,
		&sealed, &src.LastCommit, &src.PendingCommit, &created, &updated)
	if err != nil {
		return nil, err
	}
	if src.WebhookSecret, err = s.openSecret(sealed); err != nil {
		return nil, err
	}
	return &src, parseTimes(&src.CreatedAt, created, &src.UpdatedAt, updated)
}

// sealSecret encrypts a secret as base64 text; "" stays "".
func (s *Store) sealSecret(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	sealed, err := s.cipher.Seal([]byte(plain))
	if err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sealed), nil
}

func (s *Store) openSecret(text string) (string, error) {
	if text == "" {
		return "", nil
	}
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
