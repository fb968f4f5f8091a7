package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/kingvon-ke/bera/internal/wire"
)

// AddonServices lists the add-on services the server offers (GET /addon-services).
func (c *Client) AddonServices(ctx context.Context) ([]wire.AddonService, error) {
	var out []wire.AddonService
	return out, c.call(ctx, http.MethodGet, "/addon-services", nil, &out)
}

// AddonPlans lists a service's plans (GET /addon-services/{service}/plans).
func (c *Client) AddonPlans(ctx context.Context, service string) ([]wire.AddonPlan, error) {
	var out []wire.AddonPlan
	return out, c.call(ctx, http.MethodGet, "/addon-services/"+url.PathEscape(service)+"/plans", nil, &out)
}

// Addons lists the add-ons of app, its own and those attached to it (GET /apps/{app}/addons),
// or of all the user's apps when app is "" (GET /addons).
func (c *Client) Addons(ctx context.Context, app string) ([]wire.Addon, error) {
	path := "/addons"
	if app != "" {
		path = appPath(app, "addons")
	}
	var out []wire.Addon
	return out, c.call(ctx, http.MethodGet, path, nil, &out)
}

// Addon returns an add-on by id or name (GET /addons/{addon}), or by attachment name too
// when app is set (GET /apps/{app}/addons/{addon}).
func (c *Client) Addon(ctx context.Context, app, addon string) (*wire.Addon, error) {
	path := "/addons/" + url.PathEscape(addon)
	if app != "" {
		path = appPath(app, "addons", addon)
	}
	var out wire.Addon
	return &out, c.call(ctx, http.MethodGet, path, nil, &out)
}

// CreateAddon creates an add-on on app's bill (POST /apps/{app}/addons); it is provisioned
// in the background.
func (c *Client) CreateAddon(ctx context.Context, app string, in wire.AddonCreate) (*wire.Addon, error) {
	var out wire.Addon
	return &out, c.call(ctx, http.MethodPost, appPath(app, "addons"), in, &out)
}

// DestroyAddon destroys an add-on and its data (DELETE /addons/{addon}).
func (c *Client) DestroyAddon(ctx context.Context, addon string) (*wire.Addon, error) {
	var out wire.Addon
	return &out, c.call(ctx, http.MethodDelete, "/addons/"+url.PathEscape(addon), nil, &out)
}

// AddonAttachments lists the attachments of an add-on (GET /addons/{addon}/addon-attachments).
func (c *Client) AddonAttachments(ctx context.Context, addon string) ([]wire.AddonAttachment, error) {
	var out []wire.AddonAttachment
	return out, c.call(ctx, http.MethodGet, "/addons/"+url.PathEscape(addon)+"/addon-attachments", nil, &out)
}

// AppAttachments lists the attachments of an app (GET /apps/{app}/addon-attachments).
func (c *Client) AppAttachments(ctx context.Context, app string) ([]wire.AddonAttachment, error) {
	var out []wire.AddonAttachment
	return out, c.call(ctx, http.MethodGet, appPath(app, "addon-attachments"), nil, &out)
}

// AppAttachment returns an attachment of app by id or name
// (GET /apps/{app}/addon-attachments/{attachment}).
func (c *Client) AppAttachment(ctx context.Context, app, attachment string) (*wire.AddonAttachment, error) {
	var out wire.AddonAttachment
	return &out, c.call(ctx, http.MethodGet, appPath(app, "addon-attachments", attachment), nil, &out)
}

// AttachAddon attaches an add-on to an app (POST /addon-attachments).
func (c *Client) AttachAddon(ctx context.Context, in wire.AddonAttachmentCreate) (*wire.AddonAttachment, error) {
	var out wire.AddonAttachment
	return &out, c.call(ctx, http.MethodPost, "/addon-attachments", in, &out)
}

// DetachAddon removes an attachment by id (DELETE /addon-attachments/{id}).
func (c *Client) DetachAddon(ctx context.Context, id string) (*wire.AddonAttachment, error) {
	var out wire.AddonAttachment
	return &out, c.call(ctx, http.MethodDelete, "/addon-attachments/"+url.PathEscape(id), nil, &out)
}
