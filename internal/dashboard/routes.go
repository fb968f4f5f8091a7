package dashboard

import "net/http"

// routes is the dashboard's whole route table. Pages are GETs at Heroku's Dashboard paths;
// forms post under Prefix.
func (d *Dashboard) routes() {
	m := d.mux
	m.Handle("GET /{$}", d.page(d.handleHome))
	m.Handle("GET /login", d.public(d.handleLoginForm))
	m.Handle("POST /dashboard/login", d.sameOrigin(d.public(d.handleLogin)))
	m.Handle("POST /dashboard/logout", d.action(d.handleLogout))

	m.Handle("GET /apps", d.page(d.handleAppList))
	m.Handle("POST /dashboard/apps", d.action(d.handleAppCreate))

	m.Handle("GET /apps/{app}", d.page(d.handleOverview))
	m.Handle("GET /apps/{app}/resources", d.page(d.handleResources))
	m.Handle("GET /apps/{app}/deploy", d.page(d.handleDeploy))
	m.Handle("GET /apps/{app}/metrics", d.page(d.handleMetrics))
	m.Handle("GET /apps/{app}/activity", d.page(d.handleActivity))
	m.Handle("GET /apps/{app}/access", d.page(d.handleAccess))
	m.Handle("GET /apps/{app}/settings", d.page(d.handleSettings))
	m.Handle("GET /apps/{app}/logs", d.page(d.handleLogs))
	m.Handle("GET /apps/{app}/console", d.page(d.handleConsole))

	m.Handle("POST /dashboard/apps/{app}/formation/{type}", d.action(d.handleScale))
	m.Handle("POST /dashboard/apps/{app}/rollback", d.action(d.handleRollback))
	m.Handle("POST /dashboard/apps/{app}/config-vars", d.action(d.handleConfigSet))
	m.Handle("POST /dashboard/apps/{app}/config-vars/delete", d.action(d.handleConfigDelete))
	m.Handle("POST /dashboard/apps/{app}/config-vars/bulk", d.action(d.handleConfigBulk))
	m.Handle("GET /dashboard/apps/{app}/config-vars.env", d.page(d.handleConfigExport))
	m.Handle("POST /dashboard/apps/{app}/maintenance", d.action(d.handleMaintenance))
	m.Handle("POST /dashboard/apps/{app}/domains", d.action(d.handleDomainAdd))
	m.Handle("POST /dashboard/apps/{app}/domains/delete", d.action(d.handleDomainRemove))
	m.Handle("POST /dashboard/apps/{app}/rename", d.action(d.handleRename))
	m.Handle("POST /dashboard/apps/{app}/delete", d.action(d.handleAppDelete))
	m.Handle("POST /dashboard/apps/{app}/collaborators", d.action(d.handleCollaboratorAdd))
	m.Handle("POST /dashboard/apps/{app}/collaborators/delete", d.action(d.handleCollaboratorRemove))

	m.Handle("POST /dashboard/apps/{app}/alerts", d.action(d.handleAlertSet))
	m.Handle("POST /dashboard/apps/{app}/alerts/delete", d.action(d.handleAlertClear))
	m.Handle("POST /dashboard/apps/{app}/addons", d.action(d.handleAddonCreate))
	m.Handle("POST /dashboard/apps/{app}/addons/delete", d.action(d.handleAddonRemove))
	m.Handle("POST /dashboard/apps/{app}/dynos/restart", d.action(d.handleRestartAll))
	m.Handle("POST /dashboard/apps/{app}/console", d.action(d.handleConsoleStart))
	m.Handle("POST /dashboard/apps/{app}/source", d.action(d.handleSourceConnect))
	m.Handle("POST /dashboard/apps/{app}/source/auto-deploy", d.action(d.handleAutoDeploy))
	m.Handle("POST /dashboard/apps/{app}/builds", d.action(d.handleDeployBranch))

	m.Handle("GET /dashboard/apps/{app}/live", d.page(d.handleLive))
	m.Handle("GET /dashboard/apps/{app}/log-session", d.page(d.handleLogSession))
	m.Handle("GET /dashboard/apps/{app}/console/{token}", d.page(d.handleConsoleAttach))
	m.Handle("GET /dashboard/apps/{app}/builds/{build}/output", d.page(d.handleBuildOutput))
	m.Handle("GET /dashboard/assets/{name}", d.assets)
	m.Handle("/", d.public(d.handleNotFound))
}

func (d *Dashboard) handleNotFound(w http.ResponseWriter, r *http.Request) error {
	return errorf(http.StatusNotFound, "Page not found", "There is no page at this address.")
}
