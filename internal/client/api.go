package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kingvon-ke/bera/internal/wire"
)

// Typed calls, one per endpoint of shared/heroku-api.md §5 the CLI uses, sending and
// returning the shapes of package wire. {app} may be an app name or id.

func appPath(app string, rest ...string) string {
	p := "/apps/" + url.PathEscape(app)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Account returns the authenticated user (GET /account).
func (c *Client) Account(ctx context.Context) (*wire.Account, error) {
	var a wire.Account
	return &a, c.call(ctx, http.MethodGet, "/account", nil, &a)
}

// CreateAuthorization logs in with email and password (HTTP Basic) and returns a new API
// key (POST /oauth/authorizations).
func (c *Client) CreateAuthorization(ctx context.Context, email, password, description string) (*wire.Authorization, error) {
	body := wire.AuthorizationCreate{Description: description, Scope: []string{"global"}}
	var a wire.Authorization
	_, _, err := c.do(ctx, request{method: http.MethodPost, path: "/oauth/authorizations", body: body,
		basicUser: email, basicPass: password}, &a)
	return &a, err
}

// Login is CreateAuthorization with the whole request body, such as a key that expires
// (ExpiresIn).
func (c *Client) Login(ctx context.Context, email, password string, in wire.AuthorizationCreate) (*wire.Authorization, error) {
	var a wire.Authorization
	_, _, err := c.do(ctx, request{method: http.MethodPost, path: "/oauth/authorizations", body: in,
		basicUser: email, basicPass: password}, &a)
	return &a, err
}

// DeleteAuthorization revokes an API key (DELETE /oauth/authorizations/{id}); "~" is the
// key the client uses.
func (c *Client) DeleteAuthorization(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/oauth/authorizations/"+url.PathEscape(id), nil, nil)
}

// Apps lists the apps the user owns or collaborates on (GET /users/~/apps, every page).
func (c *Client) Apps(ctx context.Context) ([]wire.App, error) {
	return listAll[wire.App](ctx, c, "/users/~/apps", "")
}

// App returns one app (GET /apps/{app}).
func (c *Client) App(ctx context.Context, app string) (*wire.App, error) {
	var a wire.App
	return &a, c.call(ctx, http.MethodGet, appPath(app), nil, &a)
}

// CreateApp creates an app (POST /apps); an empty name lets the server pick one.
func (c *Client) CreateApp(ctx context.Context, in wire.AppCreate) (*wire.App, error) {
	var a wire.App
	return &a, c.call(ctx, http.MethodPost, "/apps", in, &a)
}

// UpdateApp renames an app or switches maintenance mode (PATCH /apps/{app}).
func (c *Client) UpdateApp(ctx context.Context, app string, in wire.AppUpdate) (*wire.App, error) {
	var a wire.App
	return &a, c.call(ctx, http.MethodPatch, appPath(app), in, &a)
}

// DeleteApp destroys an app (DELETE /apps/{app}).
func (c *Client) DeleteApp(ctx context.Context, app string) error {
	return c.call(ctx, http.MethodDelete, appPath(app), nil, nil)
}

// ConfigVars returns an app's config vars (GET /apps/{app}/config-vars).
func (c *Client) ConfigVars(ctx context.Context, app string) (wire.ConfigVars, error) {
	vars := wire.ConfigVars{}
	return vars, c.call(ctx, http.MethodGet, appPath(app, "config-vars"), nil, &vars)
}

// UpdateConfigVars sets (non-nil value) and unsets (nil) config vars, which makes a new
// release, and returns the full merged config (PATCH /apps/{app}/config-vars).
func (c *Client) UpdateConfigVars(ctx context.Context, app string, changes wire.ConfigVarsUpdate) (wire.ConfigVars, error) {
	vars := wire.ConfigVars{}
	return vars, c.call(ctx, http.MethodPatch, appPath(app, "config-vars"), changes, &vars)
}

// Releases returns up to max releases of an app, newest first, as one page
// (GET /apps/{app}/releases with Range: version ..; max=N, order=desc).
func (c *Client) Releases(ctx context.Context, app string, max int) ([]wire.Release, error) {
	var rs []wire.Release
	_, err := c.page(ctx, appPath(app, "releases"), fmt.Sprintf("version ..; max=%d, order=desc", max), &rs)
	return rs, err
}

// Release returns one release by version number or id (GET /apps/{app}/releases/{release}).
func (c *Client) Release(ctx context.Context, app, release string) (*wire.Release, error) {
	var r wire.Release
	return &r, c.call(ctx, http.MethodGet, appPath(app, "releases", release), nil, &r)
}

// ReleaseConfigVars returns the config snapshot of a release.
func (c *Client) ReleaseConfigVars(ctx context.Context, app, release string) (wire.ConfigVars, error) {
	vars := wire.ConfigVars{}
	return vars, c.call(ctx, http.MethodGet, appPath(app, "releases", release, "config-vars"), nil, &vars)
}

// Formation lists an app's process types (GET /apps/{app}/formation).
func (c *Client) Formation(ctx context.Context, app string) ([]wire.Formation, error) {
	return listAll[wire.Formation](ctx, c, appPath(app, "formation"), "")
}

// UpdateFormation scales process types and returns the whole formation
// (PATCH /apps/{app}/formation {"updates": [...]}).
func (c *Client) UpdateFormation(ctx context.Context, app string, updates []wire.FormationUpdate) ([]wire.Formation, error) {
	var fs []wire.Formation
	body := wire.FormationBatchUpdate{Updates: updates}
	return fs, c.call(ctx, http.MethodPatch, appPath(app, "formation"), body, &fs)
}

// Dynos lists an app's dynos (GET /apps/{app}/dynos).
func (c *Client) Dynos(ctx context.Context, app string) ([]wire.Dyno, error) {
	return listAll[wire.Dyno](ctx, c, appPath(app, "dynos"), "")
}

// Collaborators lists who has access to an app (GET /apps/{app}/collaborators).
func (c *Client) Collaborators(ctx context.Context, app string) ([]wire.Collaborator, error) {
	return listAll[wire.Collaborator](ctx, c, appPath(app, "collaborators"), "")
}

// AddCollaborator gives the user with this email access to an app
// (POST /apps/{app}/collaborators {"user": email}).
func (c *Client) AddCollaborator(ctx context.Context, app, email string) (*wire.Collaborator, error) {
	var co wire.Collaborator
	return &co, c.call(ctx, http.MethodPost, appPath(app, "collaborators"), wire.CollaboratorCreate{User: email}, &co)
}

// RemoveCollaborator takes access away (DELETE /apps/{app}/collaborators/{email}).
func (c *Client) RemoveCollaborator(ctx context.Context, app, email string) error {
	return c.call(ctx, http.MethodDelete, appPath(app, "collaborators", email), nil, nil)
}

// Rollback creates a new release with the slug and config of release (an id or version),
// with no build (POST /apps/{app}/releases).
func (c *Client) Rollback(ctx context.Context, app, release string) (*wire.Release, error) {
	var r wire.Release
	return &r, c.call(ctx, http.MethodPost, appPath(app, "releases"), wire.ReleaseRollback{Release: release}, &r)
}

// RestartDynos restarts all dynos (target ""), one dyno (web.1) or a process type (web).
func (c *Client) RestartDynos(ctx context.Context, app, target string) error {
	path := appPath(app, "dynos")
	switch {
	case target == "":
	case strings.Contains(target, "."):
		path = appPath(app, "dynos", target)
	default:
		path = appPath(app, "formations", target)
	}
	return c.call(ctx, http.MethodDelete, path, nil, nil)
}

// Buildpacks lists an app's buildpacks, in order.
func (c *Client) Buildpacks(ctx context.Context, app string) ([]wire.BuildpackInstallation, error) {
	var bps []wire.BuildpackInstallation
	return bps, c.call(ctx, http.MethodGet, appPath(app, "buildpack-installations"), nil, &bps)
}

// SetBuildpacks replaces an app's buildpacks (an empty list means detect).
func (c *Client) SetBuildpacks(ctx context.Context, app string, urls []string) ([]wire.BuildpackInstallation, error) {
	body := wire.BuildpackInstallationsUpdate{Updates: []wire.BuildpackUpdate{}}
	for _, u := range urls {
		body.Updates = append(body.Updates, wire.BuildpackUpdate{Buildpack: u})
	}
	var bps []wire.BuildpackInstallation
	return bps, c.call(ctx, http.MethodPut, appPath(app, "buildpack-installations"), body, &bps)
}

// StopDynos stops one dyno (web.1, run.42) or a process type (POST …/actions/stop).
func (c *Client) StopDynos(ctx context.Context, app, target string) error {
	path := appPath(app, "formations", target, "actions", "stop")
	if strings.Contains(target, ".") {
		path = appPath(app, "dynos", target, "actions", "stop")
	}
	return c.call(ctx, http.MethodPost, path, nil, nil)
}
