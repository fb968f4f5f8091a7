package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/wire"
)

func errAttachmentNotFound() error {
	return &bera.Error{Code: bera.ENotFound, Resource: "addon_attachment", Message: "Couldn't find that add-on attachment."}
}

// attachmentFor returns the attachment id when the caller is a member of its app.
func (s *Server) attachmentFor(ctx context.Context, id string) (*bera.AddonAttachment, error) {
	t, err := s.store.Attachment(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.canSee(ctx, t.AppID) {
		return nil, errAttachmentNotFound()
	}
	return t, nil
}

// handleAttachmentCreate attaches an add-on of one of the caller's apps to another app of
// theirs (addons:attach): a release sets NAME_URL there once the add-on is provisioned.
func (s *Server) handleAttachmentCreate(w http.ResponseWriter, r *http.Request) error {
	var body wire.AddonAttachmentCreate
	if err := decode(r, &body, false); err != nil {
		return err
	}
	if body.Addon == "" || body.App == "" {
		return bera.Errorf(bera.EInvalid, "Missing addon or app: send {\"addon\": {\"name\": ADDON}, \"app\": {\"name\": APP}}.")
	}
	a, err := s.addonFor(r.Context(), string(body.Addon))
	if err != nil {
		return err
	}
	app, err := s.memberApp(r.Context(), string(body.App))
	if err != nil {
		return err
	}
	if !s.canSee(r.Context(), a.AppID) {
		return bera.Errorf(bera.EForbidden, "Only members of %s, the add-on's app, can attach %s to other apps.", a.AppName, a.Name)
	}
	if a.State == bera.AddonDeprovisioned {
		return bera.Errorf(bera.EInvalid, "Add-on %s failed to provision and cannot be attached.", a.Name)
	}
	t, err := s.newAttachment(r.Context(), app, a.Service, body.Name)
	if err != nil {
		return err
	}
	t.AddonID = a.ID
	if body.Namespace != nil {
		t.Namespace = *body.Namespace
	}
	if err := s.attach(r.Context(), app, t, bera.UserFrom(r.Context())); err != nil {
		return err
	}
	return s.writeAttachment(w, r, http.StatusCreated, t)
}

// handleAttachmentDelete detaches (addons:detach): a release removes NAME_URL.
func (s *Server) handleAttachmentDelete(w http.ResponseWriter, r *http.Request) error {
	t, err := s.attachmentFor(r.Context(), r.PathValue("attachment"))
	if err != nil {
		return err
	}
	if err := s.detach(r.Context(), t, bera.UserFrom(r.Context())); err != nil {
		return err
	}
	return s.writeAttachment(w, r, http.StatusOK, t)
}

func (s *Server) handleAttachmentInfo(w http.ResponseWriter, r *http.Request) error {
	t, err := s.attachmentFor(r.Context(), r.PathValue("attachment"))
	if err != nil {
		return err
	}
	return s.writeAttachment(w, r, http.StatusOK, t)
}

// handleAppAttachmentInfo finds an attachment of the app by id or name.
func (s *Server) handleAppAttachmentInfo(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	list, err := s.store.ListAttachments(r.Context(), app.ID, "")
	if err != nil {
		return err
	}
	key := r.PathValue("attachment")
	for _, t := range list {
		if t.ID == key || strings.EqualFold(t.Name, key) {
			return s.writeAttachment(w, r, http.StatusOK, t)
		}
	}
	return errAttachmentNotFound()
}

func (s *Server) handleAppAttachmentList(w http.ResponseWriter, r *http.Request) error {
	app, _, err := s.appFor(r)
	if err != nil {
		return err
	}
	list, err := s.store.ListAttachments(r.Context(), app.ID, "")
	if err != nil {
		return err
	}
	return s.writeAttachments(w, r, list)
}

// handleAttachmentList lists the attachments of every app the caller is a member of.
func (s *Server) handleAttachmentList(w http.ResponseWriter, r *http.Request) error {
	apps, err := s.store.ListApps(r.Context(), bera.UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	var list []*bera.AddonAttachment
	for _, app := range apps {
		more, err := s.store.ListAttachments(r.Context(), app.ID, "")
		if err != nil {
			return err
		}
		list = append(list, more...)
	}
	return s.writeAttachments(w, r, list)
}

func (s *Server) handleAddonAttachmentList(w http.ResponseWriter, r *http.Request) error {
	a, err := s.addonFor(r.Context(), r.PathValue("addon"))
	if err != nil {
		return err
	}
	list, err := s.store.ListAttachments(r.Context(), "", a.ID)
	if err != nil {
		return err
	}
	return s.writeAttachments(w, r, list)
}

// handleAttachmentResolve finds an app's attachments by attachment name, config var
// (DATABASE_URL), add-on name or id; a 404 not_found lets Heroku's CLI fall back to
// matching config var values.
func (s *Server) handleAttachmentResolve(w http.ResponseWriter, r *http.Request) error {
	var body wire.AddonAttachmentResolve
	if err := decode(r, &body, false); err != nil {
		return err
	}
	key := body.AddonAttachment
	appName := ""
	if body.App != nil {
		appName = *body.App
	}
	if before, after, ok := strings.Cut(key, "::"); ok {
		appName, key = before, after
	}
	if appName == "" {
		return bera.Errorf(bera.EInvalid, "Name the app whose attachment to resolve.")
	}
	app, err := s.memberApp(r.Context(), appName)
	if err != nil {
		return err
	}
	list, err := s.store.ListAttachments(r.Context(), app.ID, "")
	if err != nil {
		return err
	}
	var found []*bera.AddonAttachment
	for _, t := range list {
		a, err := s.store.Addon(r.Context(), t.AddonID)
		if err != nil {
			return err
		}
		if body.AddonService != "" && a.Service != body.AddonService {
			continue
		}
		if strings.EqualFold(t.Name, key) || strings.EqualFold(t.ConfigVar(), key) || a.Name == key || a.ID == key || t.ID == key {
			found = append(found, t)
		}
	}
	if len(found) == 0 {
		return errAttachmentNotFound()
	}
	return s.writeAttachments(w, r, found)
}

func (s *Server) writeAttachment(w http.ResponseWriter, r *http.Request, status int, t *bera.AddonAttachment) error {
	j, err := s.toAttachment(r.Context(), t)
	if err != nil {
		return err
	}
	return writeJSON(w, status, j)
}

func (s *Server) writeAttachments(w http.ResponseWriter, r *http.Request, list []*bera.AddonAttachment) error {
	out := make([]wire.AddonAttachment, 0, len(list))
	for _, t := range list {
		j, err := s.toAttachment(r.Context(), t)
		if err != nil {
			return err
		}
		out = append(out, j)
	}
	return writeJSON(w, http.StatusOK, out)
}
