package api

import (
	"html/template"
	"net/http"
	"regexp"
	"strings"
)

var pathParamRE = regexp.MustCompile(`\{([a-z_-]+)\}`)

// handleOpenAPI describes every route of the table as OpenAPI 3.1, with the shared
// Heroku-shaped error schema and both authentication schemes.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) error {
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"summary":     rt.summary,
			"operationId": strings.ToLower(rt.method) + strings.ReplaceAll(pathParamRE.ReplaceAllString(rt.path, "$1"), "/", "_"),
			"responses": map[string]any{
				"2XX":     map[string]any{"description": "Success: JSON in Heroku Platform API v3 shape."},
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		var params []map[string]any
		for _, m := range pathParamRE.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.public {
			op["security"] = []any{}
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "Bera Platform API", "version": "3",
			"description": "Heroku Platform API v3 compatible. Served at / and /api/v1. Pagination with the Range header (206 + Next-Range)."},
		"servers":  []map[string]string{{"url": "/"}, {"url": "/api/v1"}},
		"security": []map[string][]string{{"bearer": {}}, {"basic": {}}},
		"paths":    paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"bearer": map[string]string{"type": "http", "scheme": "bearer"},
				"basic":  map[string]string{"type": "http", "scheme": "basic", "description": "Any user name; the API key as password."},
			},
			"schemas": map[string]any{"Error": map[string]any{"type": "object", "required": []string{"id", "message"},
				"properties": map[string]any{"id": map[string]string{"type": "string"}, "message": map[string]string{"type": "string"},
					"resource": map[string]string{"type": "string"}, "request_id": map[string]string{"type": "string"}}}},
		},
	}
	return writeJSON(w, http.StatusOK, doc)
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Bera API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}code{background:#f3f3f3;padding:0 .3em}td{padding:.2em .8em .2em 0;vertical-align:top}</style></head>
<body><h1>Bera Platform API</h1>
<p>Heroku Platform API v3 compatible, at <code>/</code> and <code>/api/v1</code>. Authenticate with
<code>Authorization: Bearer KEY</code> or HTTP Basic with the key as password. Lists take the
<code>Range</code> header and answer 206 with <code>Next-Range</code> when more remain. Errors are
<code>{"id": "...", "message": "..."}</code>. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
<table>{{range .}}<tr><td><code>{{.method}}</code></td><td><code>{{.path}}</code></td><td>{{.summary}}</td></tr>{{end}}</table>
</body></html>`))

func (s *Server) handleDocs(w http.ResponseWriter, r *http.Request) error {
	rows := make([]map[string]string, 0, len(s.routes))
	for _, rt := range s.routes {
		rows = append(rows, map[string]string{"method": rt.method, "path": rt.path, "summary": rt.summary})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return docsTemplate.Execute(w, rows)
}
