package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/kingvon-ke/bera"
)

// Response shapes are Heroku's (shared/heroku-api.md §4): every key present, null when unknown.

type idName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type idEmail struct {
	ID    string `json:"id"`
	Email string `json:"email"`
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

type accountJSON struct {
	ID                  string  `json:"id"`
	Email               string  `json:"email"`
	Name                *string `json:"name"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	LastLogin           *string `json:"last_login"`
	Verified            bool    `json:"verified"`
	Beta                bool    `json:"beta"`
	AllowTracking       bool    `json:"allow_tracking"`
	Federated           bool    `json:"federated"`
	TwoFactor           bool    `json:"two_factor_authentication"`
	SMSNumber           *string `json:"sms_number"`
	SuspendedAt         *string `json:"suspended_at"`
	DelinquentAt        *string `json:"delinquent_at"`
	IdentityProvider    *string `json:"identity_provider"`
	DefaultOrganization *string `json:"default_organization"`
	DefaultTeam         *string `json:"default_team"`
	CountryOfResidence  *string `json:"country_of_residence"`
}

func toAccount(u *bera.User) accountJSON {
	a := accountJSON{ID: u.ID, Email: u.Email, CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.UpdatedAt),
		LastLogin: tsPtr(u.LastLogin), Verified: true}
	if u.Name != "" {
		a.Name = &u.Name
	}
	return a
}

type appJSON struct {
	ACM                          bool     `json:"acm"`
	ArchivedAt                   *string  `json:"archived_at"`
	BuildpackProvidedDescription *string  `json:"buildpack_provided_description"`
	BuildStack                   idName   `json:"build_stack"`
	CreatedAt                    string   `json:"created_at"`
	CreateStatus                 string   `json:"create_status"`
	Generation                   idName   `json:"generation"`
	GitURL                       string   `json:"git_url"`
	ID                           string   `json:"id"`
	InternalRouting              *bool    `json:"internal_routing"`
	Locked                       bool     `json:"locked"`
	Maintenance                  bool     `json:"maintenance"`
	Name                         string   `json:"name"`
	Owner                        idEmail  `json:"owner"`
	Organization                 *idName  `json:"organization"`
	Team                         *idName  `json:"team"`
	Region                       idName   `json:"region"`
	ReleasedAt                   *string  `json:"released_at"`
	RepoSize                     *int64   `json:"repo_size"`
	SlugSize                     *int64   `json:"slug_size"`
	Space                        *idName  `json:"space"`
	Stack                        idName   `json:"stack"`
	UpdatedAt                    string   `json:"updated_at"`
	WebURL                       string   `json:"web_url"`
	BootTimeout                  int      `json:"boot_timeout"`
	Buildpacks                   []string `json:"-"`
}

// toApp shapes an app for r's caller: git_url uses the scheme and host the API was reached
// with, since git is served on the same port (HTTP and TLS).
func (s *Server) toApp(a *bera.App, r *http.Request) appJSON {
	j := appJSON{
		BuildStack:   idName{stableID("stack", a.BuildStack), a.BuildStack},
		CreatedAt:    ts(a.CreatedAt),
		CreateStatus: "complete",
		Generation:   idName{stableID("generation", "cedar"), "cedar"},
		GitURL:       requestBase(r) + "/" + a.Name + ".git",
		ID:           a.ID,
		Maintenance:  a.Maintenance,
		Name:         a.Name,
		Owner:        idEmail{a.OwnerID, a.OwnerEmail},
		Region:       idName{stableID("region", a.Region), a.Region},
		ReleasedAt:   tsPtr(a.ReleasedAt),
		Stack:        idName{stableID("stack", a.Stack), a.Stack},
		UpdatedAt:    ts(a.UpdatedAt),
		WebURL:       s.webURL(a.Name),
		BootTimeout:  a.BootTimeout,
	}
	if j.BootTimeout == 0 {
		j.BootTimeout = bera.DefaultBootTimeout
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

type releaseJSON struct {
	ID                  string   `json:"id"`
	Version             int      `json:"version"`
	Description         string   `json:"description"`
	Status              string   `json:"status"`
	Current             bool     `json:"current"`
	EligibleForRollback bool     `json:"eligible_for_rollback"`
	CreatedAt           string   `json:"created_at"`
	UpdatedAt           string   `json:"updated_at"`
	User                idEmail  `json:"user"`
	App                 idName   `json:"app"`
	Slug                *idOnly  `json:"slug"`
	AddonPlanNames      []string `json:"addon_plan_names"`
	OutputStreamURL     *string  `json:"output_stream_url"`
}

type idOnly struct {
	ID string `json:"id"`
}

func toRelease(r *bera.Release, app *bera.App) releaseJSON {
	j := releaseJSON{ID: r.ID, Version: r.Version, Description: r.Description, Status: r.Status,
		Current: r.Current, EligibleForRollback: r.Status == bera.ReleaseSucceeded,
		CreatedAt: ts(r.CreatedAt), UpdatedAt: ts(r.UpdatedAt), User: idEmail{r.UserID, r.UserEmail},
		App: idName{app.ID, app.Name}, AddonPlanNames: r.AddonPlanNames}
	if j.AddonPlanNames == nil {
		j.AddonPlanNames = []string{}
	}
	if r.SlugID != "" {
		j.Slug = &idOnly{r.SlugID}
	}
	return j
}

type formationJSON struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Quantity  int    `json:"quantity"`
	Size      string `json:"size"`
	Command   string `json:"command"`
	App       idName `json:"app"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toFormation(f *bera.Formation, app *bera.App) formationJSON {
	return formationJSON{ID: f.ID, Type: f.Type, Quantity: f.Quantity, Size: f.Size, Command: f.Command,
		App: idName{app.ID, app.Name}, CreatedAt: ts(f.CreatedAt), UpdatedAt: ts(f.UpdatedAt)}
}

type permissionJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

type collaboratorJSON struct {
	ID          string           `json:"id"`
	App         idName           `json:"app"`
	User        collabUser       `json:"user"`
	Role        string           `json:"role"`
	Permissions []permissionJSON `json:"permissions"`
	CreatedAt   string           `json:"created_at"`
	UpdatedAt   string           `json:"updated_at"`
}

type collabUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Federated bool   `json:"federated"`
}

var collaboratorPermissions = []permissionJSON{
	{"view", "Can view the app, its config vars, releases and logs."},
	{"deploy", "Can deploy, roll back and scale the app."},
	{"operate", "Can restart dynos and change config vars."},
}

func toCollaborator(c *bera.Collaborator, app *bera.App) collaboratorJSON {
	perms := collaboratorPermissions
	if c.Role == bera.RoleOwner {
		perms = append(append([]permissionJSON{}, perms...), permissionJSON{"manage", "Can manage collaborators, rename and delete the app."})
	}
	return collaboratorJSON{ID: c.ID, App: idName{app.ID, app.Name},
		User: collabUser{ID: c.UserID, Email: c.UserEmail}, Role: c.Role, Permissions: perms,
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
