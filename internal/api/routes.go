package api

import (
	"net/http"
	"slices"
	"strings"
)

// route is one entry of the API's route table; the same table feeds /openapi.json.
type route struct {
	method, path, summary string
	public                bool // no authentication (health, docs)
	h                     handlerFunc
}

func (s *Server) routeTable() []route {
	return append([]route{
		{method: "GET", path: "/health", summary: "Liveness check", public: true, h: s.handleHealth},
		{method: "GET", path: "/openapi.json", summary: "OpenAPI description of this API", public: true, h: s.handleOpenAPI},
		{method: "GET", path: "/schema", summary: "OpenAPI description of this API", public: true, h: s.handleOpenAPI},
		{method: "GET", path: "/docs", summary: "Readable API reference", public: true, h: s.handleDocs},

		{method: "GET", path: "/account", summary: "Info for the current account", h: s.handleAccountInfo},
		{method: "GET", path: "/users/{user}", summary: "Info for an account (~ is the current user)", h: s.handleUserInfo},
		{method: "POST", path: "/oauth/authorizations", summary: "Create an API key (login with email and password over Basic auth)", h: s.handleAuthorizationCreate},
		{method: "GET", path: "/oauth/authorizations", summary: "List the current user's API keys", h: s.handleAuthorizationList},
		{method: "GET", path: "/oauth/authorizations/{id}", summary: "Info for an API key (~ is the key in use)", h: s.handleAuthorizationInfo},
		{method: "DELETE", path: "/oauth/authorizations/{id}", summary: "Revoke an API key", h: s.handleAuthorizationDelete},
		{method: "DELETE", path: "/oauth/sessions/{id}", summary: "End a session (no-op; API keys are revoked with DELETE /oauth/authorizations)", h: s.handleSessionDelete},

		{method: "GET", path: "/apps", summary: "List apps you own or collaborate on", h: s.handleAppList},
		{method: "GET", path: "/users/{user}/apps", summary: "List apps of a user (~ is the current user)", h: s.handleUserAppList},
		{method: "POST", path: "/apps", summary: "Create an app (space and internal_routing put it in a Private Space)", h: s.handleAppCreate},
		{method: "POST", path: "/teams/apps", summary: "Create an app (as POST /apps; the Heroku CLI's path for --space)", h: s.handleAppCreate},
		{method: "GET", path: "/spaces", summary: "List Private Spaces you own or have apps in", h: s.handleSpaceList},
		{method: "POST", path: "/spaces", summary: "Create a Private Space ({name, cidr})", h: s.handleSpaceCreate},
		{method: "GET", path: "/spaces/{space}", summary: "Info for a Private Space", h: s.handleSpaceInfo},
		{method: "DELETE", path: "/spaces/{space}", summary: "Destroy an empty Private Space (owner only)", h: s.handleSpaceDelete},
		{method: "GET", path: "/apps/{app}", summary: "Info for an app", h: s.handleAppInfo},
		{method: "PATCH", path: "/apps/{app}", summary: "Update an app (name, maintenance, build_stack)", h: s.handleAppUpdate},
		{method: "DELETE", path: "/apps/{app}", summary: "Delete an app", h: s.handleAppDelete},

		{method: "GET", path: "/apps/{app}/config-vars", summary: "The app's config vars", h: s.handleConfigInfo},
		{method: "PATCH", path: "/apps/{app}/config-vars", summary: "Set config vars (null unsets); creates a release", h: s.handleConfigUpdate},

		{method: "GET", path: "/apps/{app}/releases", summary: "List releases (Range: version)", h: s.handleReleaseList},
		{method: "POST", path: "/apps/{app}/releases", summary: "Roll back to a release ({\"release\": id})", h: s.handleReleaseRollback},
		{method: "GET", path: "/apps/{app}/releases/{release}", summary: "Info for a release (id or version)", h: s.handleReleaseInfo},
		{method: "GET", path: "/apps/{app}/releases/{release}/config-vars", summary: "Config vars of a release", h: s.handleReleaseConfig},

		{method: "GET", path: "/apps/{app}/formation", summary: "List process types with quantity and size", h: s.handleFormationList},
		{method: "PATCH", path: "/apps/{app}/formation", summary: "Batch update formation ({\"updates\": [...]})", h: s.handleFormationBatch},
		{method: "GET", path: "/apps/{app}/formation/{type}", summary: "Info for a process type", h: s.handleFormationInfo},
		{method: "PATCH", path: "/apps/{app}/formation/{type}", summary: "Update a process type", h: s.handleFormationUpdate},

		{method: "GET", path: "/apps/{app}/collaborators", summary: "List collaborators", h: s.handleCollaboratorList},
		{method: "POST", path: "/apps/{app}/collaborators", summary: "Add a collaborator ({\"user\": email})", h: s.handleCollaboratorCreate},
		{method: "GET", path: "/apps/{app}/collaborators/{collaborator}", summary: "Info for a collaborator (email or id)", h: s.handleCollaboratorInfo},
		{method: "DELETE", path: "/apps/{app}/collaborators/{collaborator}", summary: "Remove a collaborator", h: s.handleCollaboratorDelete},

		{method: "GET", path: "/apps/{app}/features", summary: "List app features", h: s.handleFeatureList},
		{method: "GET", path: "/apps/{app}/features/{feature}", summary: "Info for an app feature", h: s.handleFeatureInfo},
		{method: "PATCH", path: "/apps/{app}/features/{feature}", summary: "Enable or disable an app feature", h: s.handleFeatureUpdate},

		{method: "GET", path: "/apps/{app}/builds", summary: "List builds", h: s.handleBuildList},
		{method: "GET", path: "/apps/{app}/builds/{build}", summary: "Info for a build", h: s.handleBuildInfo},
		{method: "GET", path: "/apps/{app}/slugs/{slug}", summary: "Info for a slug: process types, checksum, and the OCI image of a CNB build", h: s.handleSlugInfo},
		{method: "GET", path: "/apps/{app}/oci-images/{image}", summary: "Info for an OCI image of a CNB build, by id or digest: buildpacks, process types", h: s.handleOCIImageInfo},
		{method: "POST", path: "/apps/{app}/builds", summary: "Start a build from a tarball (source_blob.url) or a Git URL ({\"git\": {url, ref}}); 201 with output_stream_url", h: s.handleBuildCreate},
		{method: "GET", path: "/build-output/{build}", summary: "A build's output as plain text, live then replayed (the token in the URL is the credential)", public: true, h: s.handleBuildOutput},
		{method: "GET", path: "/apps/{app}/source", summary: "The app's source settings: repository, branch, auto-deploy, GitHub webhook", h: s.handleAppSourceInfo},
		{method: "PATCH", path: "/apps/{app}/source", summary: "Change the app's source settings", h: s.handleAppSourceUpdate},
		{method: "POST", path: "/webhooks/github", summary: "GitHub webhook deliveries (verified by X-Hub-Signature-256)", public: true, h: s.handleGitHubWebhook},
		{method: "GET", path: "/apps/{app}/dynos", summary: "List dynos", h: s.handleDynoList},
		{method: "DELETE", path: "/apps/{app}/dynos", summary: "Restart all dynos", h: s.handleDynoRestart},
		{method: "GET", path: "/apps/{app}/dynos/{dyno}", summary: "Info for a dyno (name or id)", h: s.handleDynoInfo},
		{method: "DELETE", path: "/apps/{app}/dynos/{dyno}", summary: "Restart a dyno", h: s.handleDynoRestart},
		{method: "POST", path: "/apps/{app}/dynos", summary: "Run a one-off dyno (attach: true returns a rendezvous:// attach_url)", h: s.handleDynoCreate},
		{method: "GET", path: "/apps/{app}/dynos/{dyno}/attach", summary: "Attach to a one-off dyno over a WebSocket (bera run)", h: s.handleDynoAttach},
		{method: "DELETE", path: "/apps/{app}/formations/{type}", summary: "Restart the dynos of a process type", h: s.handleDynoRestart},
		{method: "POST", path: "/apps/{app}/dynos/{dyno}/actions/stop", summary: "Stop a dyno (a formation dyno is started again; scale to 0 to keep it stopped)", h: s.handleDynoRestart},
		{method: "POST", path: "/apps/{app}/formations/{type}/actions/stop", summary: "Stop the dynos of a process type (they are started again)", h: s.handleDynoRestart},

		{method: "GET", path: "/ws", summary: "WebSocket of live events of ?app=NAME (repeatable): build output, releases, dyno states, formation, add-on changes, log lines; API key as Bearer or a \"bera.key.KEY\" subprotocol", public: true, h: s.handleEvents},
		{method: "POST", path: "/apps/{app}/log-sessions", summary: "Create a log session: a signed logplex_url streaming the app's logs", h: s.handleLogSessionCreate},
		{method: "GET", path: "/apps/{app}/metrics", summary: "1-minute metrics of the app (requests by status class, response time p50/p95/p99, throughput, dyno CPU, memory, restarts); ?since= and ?until= (RFC 3339, default the last hour, kept 24 h)", h: s.handleMetricsRollups},
		{method: "GET", path: "/metrics", summary: "Prometheus metrics of every app, in the text format (an admin's API key)", h: s.handlePrometheus},
		{method: "GET", path: "/apps/{app}/log-drains", summary: "List log drains", h: s.handleDrainList},
		{method: "POST", path: "/apps/{app}/log-drains", summary: "Add a log drain ({\"url\": \"syslog+tls://host:port\"})", h: s.handleDrainCreate},
		{method: "GET", path: "/apps/{app}/log-drains/{drain}", summary: "Info for a log drain (id, token or URL-encoded URL)", h: s.handleDrainInfo},
		{method: "DELETE", path: "/apps/{app}/log-drains/{drain}", summary: "Remove a log drain", h: s.handleDrainDelete},
		{method: "GET", path: "/apps/{app}/buildpack-installations", summary: "List the app's buildpacks", h: s.handleBuildpackList},
		{method: "PUT", path: "/apps/{app}/buildpack-installations", summary: "Replace the app's buildpacks", h: s.handleBuildpackUpdate},
		{method: "GET", path: "/apps/{app}/domains", summary: "List domains", h: s.handleDomainList},
		{method: "POST", path: "/apps/{app}/domains", summary: "Add a custom domain ({\"hostname\": H, \"sni_endpoint\": null})", h: s.handleDomainCreate},
		{method: "GET", path: "/apps/{app}/domains/{domain}", summary: "Info for a domain (hostname or id)", h: s.handleDomainInfo},
		{method: "DELETE", path: "/apps/{app}/domains/{domain}", summary: "Remove a custom domain", h: s.handleDomainDelete},
		{method: "GET", path: "/apps/{app}/sni-endpoints", summary: "List manual certificates (SNI endpoints)", h: s.handleSNIEndpointList},
		{method: "POST", path: "/apps/{app}/sni-endpoints", summary: "Add a manual certificate ({\"certificate_chain\", \"private_key\"})", h: s.handleSNIEndpointCreate},
		{method: "GET", path: "/apps/{app}/sni-endpoints/{sni_endpoint}", summary: "Info for a manual certificate", h: s.handleSNIEndpointInfo},
		{method: "PATCH", path: "/apps/{app}/sni-endpoints/{sni_endpoint}", summary: "Replace a manual certificate's chain and key", h: s.handleSNIEndpointUpdate},
		{method: "DELETE", path: "/apps/{app}/sni-endpoints/{sni_endpoint}", summary: "Remove a manual certificate", h: s.handleSNIEndpointDelete},
		{method: "POST", path: "/apps/{app}/acm", summary: "Enable automatic certificates (ACME) for the app's domains", h: s.handleACMEnable},
		{method: "PATCH", path: "/apps/{app}/acm", summary: "Retry automatic certificates", h: s.handleACMRefresh},
		{method: "DELETE", path: "/apps/{app}/acm", summary: "Disable automatic certificates", h: s.handleACMDisable},
		{method: "GET", path: "/addon-services", summary: "List add-on services", h: s.handleAddonServiceList},
		{method: "GET", path: "/addon-services/{service}", summary: "Info for an add-on service", h: s.handleAddonServiceInfo},
		{method: "GET", path: "/addon-services/{service}/plans", summary: "List the plans of an add-on service", h: s.handleAddonPlanList},
		{method: "GET", path: "/addon-services/{service}/plans/{plan}", summary: "Info for a plan", h: s.handleAddonPlanInfo},
		{method: "GET", path: "/apps/{app}/addons", summary: "List the add-ons of an app (its own and those attached to it)", h: s.handleAppAddonList},
		{method: "POST", path: "/apps/{app}/addons", summary: "Create an add-on ({\"plan\": \"svc:plan\"}); provisioned in the background, then attached in a release", h: s.handleAddonCreate},
		{method: "GET", path: "/apps/{app}/addons/{addon}", summary: "Info for an add-on of the app (id, name or attachment name)", h: s.handleAppAddonInfo},
		{method: "DELETE", path: "/apps/{app}/addons/{addon}", summary: "Destroy an add-on and its data; detached everywhere in releases", h: s.handleAddonDestroy},
		{method: "GET", path: "/addons", summary: "List the add-ons of your apps", h: s.handleAddonList},
		{method: "GET", path: "/addons/{addon}", summary: "Info for an add-on (id or name)", h: s.handleAddonInfo},
		{method: "DELETE", path: "/addons/{addon}", summary: "Destroy an add-on and its data", h: s.handleAddonDestroy},
		{method: "GET", path: "/addons/{addon}/addon-attachments", summary: "List the attachments of an add-on", h: s.handleAddonAttachmentList},
		{method: "POST", path: "/actions/addons/resolve", summary: "Find add-ons by id, name or attachment name ({\"addon\", \"app\"})", h: s.handleAddonResolve},
		{method: "GET", path: "/addon-attachments", summary: "List the add-on attachments of your apps", h: s.handleAttachmentList},
		{method: "POST", path: "/addon-attachments", summary: "Attach an add-on to an app ({\"addon\", \"app\", \"name\"}); sets NAME_URL in a release", h: s.handleAttachmentCreate},
		{method: "GET", path: "/addon-attachments/{attachment}", summary: "Info for an add-on attachment", h: s.handleAttachmentInfo},
		{method: "DELETE", path: "/addon-attachments/{attachment}", summary: "Detach an add-on; removes NAME_URL in a release", h: s.handleAttachmentDelete},
		{method: "GET", path: "/apps/{app}/addon-attachments", summary: "List the add-on attachments of an app", h: s.handleAppAttachmentList},
		{method: "GET", path: "/apps/{app}/addon-attachments/{attachment}", summary: "Info for an attachment of the app (id or name)", h: s.handleAppAttachmentInfo},
		{method: "POST", path: "/actions/addon-attachments/resolve", summary: "Find an app's attachments by name, config var, add-on name or id", h: s.handleAttachmentResolve},
		{method: "GET", path: "/apps/{app}/pipeline-couplings", summary: "Pipeline coupling of the app (404 when none)", h: s.handlePipelineCoupling},
		{method: "GET", path: "/stacks", summary: "List stacks", h: s.handleStackList},
		{method: "GET", path: "/regions", summary: "List regions", h: s.handleRegionList},
	}, slices.Concat(s.dataRoutes(), s.backupRoutes(), s.scheduleRoutes(), s.dataOpRoutes())...)
}

// registerRoutes registers every route at the root and under /api/v1.
func (s *Server) registerRoutes() {
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		h := s.adapt(rt.h)
		if !rt.public {
			h = s.authenticate(h)
		}
		h = s.limitBody(h)
		s.mux.Handle(rt.method+" "+rt.path, h)
		s.mux.Handle(rt.method+" /api/v1"+rt.path, http.StripPrefix("/api/v1", h))
	}
	// Anything else is a Heroku-shaped 404 (or 405), never the mux's plain text.
	s.mux.Handle("/", s.authenticate(s.adapt(s.handleNotFound)))
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	p := strings.TrimPrefix(r.URL.Path, "/api/v1")
	for _, rt := range s.routes {
		if matchPattern(rt.path, p) {
			return errorf(http.StatusMethodNotAllowed, "method_not_allowed", "Method %s is not allowed on %s.", r.Method, p)
		}
	}
	return errorf(http.StatusNotFound, "not_found", "The requested API endpoint was not found. See /docs for the list.")
}

// matchPattern reports whether path matches a mux pattern's path with {wildcards}.
func matchPattern(pattern, path string) bool {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}
