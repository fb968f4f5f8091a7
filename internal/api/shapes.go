package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

// The API answers with the shapes of package wire (Heroku's, shared/heroku-api.md §4: every
// key present, null when unknown); the functions below build them from domain types.

// appRef is the {id, name} reference to app nested in other resources.
func appRef(app *bera.App) wire.IDName { return wire.IDName{ID: app.ID, Name: app.Name} }

// catalogRef is the {id, name} reference to a catalog object (stack, region, generation).
func catalogRef(kind, name string) wire.IDName {
	return wire.IDName{ID: stableID(kind, name), Name: name}
}

// stableID derives a fixed UUID from a name, for catalog objects (stacks, regions, features).
func stableID(kind, name string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("bera:"+kind+":"+name)).String()
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

func toAccount(u *bera.User) wire.Account {
	a := wire.Account{ID: u.ID, Email: u.Email, CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt),
		LastLogin: tsPtr(u.LastLogin), Verified: true}
	if u.Name != "" {
		a.Name = &u.Name
	}
	return a
}

// toApp shapes an app for r's caller: git_url uses the scheme and host the API was reached
// with, since git is served on the same port (HTTP and TLS).
func (s *Server) toApp(a *bera.App, r *http.Request) wire.App {
	j := wire.App{
		BuildStack:   catalogRef("stack", a.BuildStack),
		CreatedAt:    ts(a.CreatedAt),
		CreateStatus: "complete",
		Generation:   catalogRef("generation", "cedar"),
		GitURL:       requestBase(r) + "/" + a.Name + ".git",
		ID:           a.ID,
		Maintenance:  a.Maintenance,
		Name:         a.Name,
		Owner:        wire.IDEmail{ID: a.OwnerID, Email: a.OwnerEmail},
		Region:       catalogRef("region", a.Region),
		ReleasedAt:   tsPtr(a.ReleasedAt),
		Stack:        catalogRef("stack", a.Stack),
		UpdatedAt:    ts(a.UpdatedAt),
		WebURL:       s.webURL(a.Name),
		BootTimeout:  a.BootTimeout,
	}
	if j.BootTimeout == 0 {
		j.BootTimeout = bera.DefaultBootTimeout
	}
	if a.SpaceID != "" {
		internal := a.InternalRouting
		j.Space, j.InternalRouting = &wire.IDName{ID: a.SpaceID, Name: a.SpaceName}, &internal
	}
	if a.RepoSize > 0 {
		j.RepoSize = &a.RepoSize
	}
	if a.SlugSize > 0 {
		j.SlugSize = &a.SlugSize
	}
	return j
}

func (s *Server) webURL(app string) string {
	return s.cfg.WebScheme + "://" + app + "." + s.cfg.Domain + s.cfg.WebURLSuffix + "/"
}

func toRelease(r *bera.Release, app *bera.App) wire.Release {
	j := wire.Release{ID: r.ID, Version: r.Version, Description: r.Description, Status: r.Status,
		Current: r.Current, EligibleForRollback: r.Status == bera.ReleaseSucceeded,
		CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt), User: wire.IDEmail{ID: r.UserID, Email: r.UserEmail},
		App: appRef(app), AddonPlanNames: r.AddonPlanNames}
	if j.AddonPlanNames == nil {
		j.AddonPlanNames = []string{}
	}
	if r.SlugID != "" {
		j.Slug = &wire.IDOnly{ID: r.SlugID}
	}
	if r.Image != "" {
		j.OCIImage = &wire.OCIImageRef{ID: r.SlugID, Digest: r.Image}
	}
	return j
}

func toFormation(f *bera.Formation, app *bera.App) wire.Formation {
	return wire.Formation{ID: f.ID, Type: f.Type, Quantity: f.Quantity, Size: f.Size, Command: f.Command,
		App: appRef(app), CreatedAt: ts(f.CreatedAt), UpdatedAt: ts(f.UpdatedAt)}
}

var collaboratorPermissions = []wire.Permission{
	{Name: "view", Description: "Can view the app, its config vars, releases and logs."},
	{Name: "deploy", Description: "Can deploy, roll back and scale the app."},
	{Name: "operate", Description: "Can restart dynos and change config vars."},
}

func toCollaborator(c *bera.Collaborator, app *bera.App) wire.Collaborator {
	perms := collaboratorPermissions
	if c.Role == bera.RoleOwner {
		perms = append(append([]wire.Permission{}, perms...), wire.Permission{Name: "manage", Description: "Can manage collaborators, rename and delete the app."})
	}
	return wire.Collaborator{ID: c.ID, App: appRef(app),
		User: wire.CollaboratorUser{ID: c.UserID, Email: c.UserEmail}, Role: c.Role, Permissions: perms,
		CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt)}
}

// requestBase is scheme://host of the request as the client reached the API: https when it
// came over TLS, http otherwise.
func requestBase(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
