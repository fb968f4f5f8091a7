package api

import (
	"slices"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/events"
)

// addonApps are the apps whose members see add-on a: its own app and every app of atts (its
// attachments), each once, the add-on's app first. Its events go to these apps only, so
// /ws's check of each followed app keeps them from everyone else.
func addonApps(a *bera.Addon, atts []*bera.AddonAttachment) []string {
	ids := []string{a.AppID}
	for _, t := range atts {
		if !slices.Contains(ids, t.AppID) {
			ids = append(ids, t.AppID)
		}
	}
	return ids
}

// addonChanged announces that a is now in state (events.AddonProvisioned, ...) to each
// of appIDs; attachment names the attachment concerned ("" for none).
func (s *Server) addonChanged(a *bera.Addon, state, attachment string, appIDs []string) {
	for _, id := range appIDs {
		s.publish(events.NewAddonChanged(id, a, state, attachment))
	}
}

// addonLog writes msg as an app[api] line of the app appID, with " by user EMAIL" when a
// user made the change (a resumed provisioning has none).
func (s *Server) addonLog(appID string, user *bera.User, msg string) {
	if s.cfg.Log == nil {
		return
	}
	if user != nil {
		msg += " by user " + user.Email
	}
	s.cfg.Log(appID, msg)
}
