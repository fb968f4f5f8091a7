package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/wire"
)

// Daily backups (pg:backups:schedule): an add-on's schedule is BackupDir/<addon>/
// schedule.json. Every scheduleTick the server captures, for each schedule whose hour has
// come in its timezone and that has not run that day there, a backup named a00N.

const scheduleTick = time.Minute

// scheduleRecord is a schedule with the day (in its timezone) it last ran.
type scheduleRecord struct {
	wire.TransferSchedule
	LastRun string `json:"last_run"` // 2006-01-02
}

func (s *Server) scheduleRoutes() []route {
	return []route{
		{method: "POST", path: "/client/v11/databases/{addon}/transfer-schedules", summary: "Data API: back the database up daily at an hour ({\"hour\", \"timezone\"})", h: s.handleScheduleCreate},
		{method: "GET", path: "/client/v11/databases/{addon}/transfer-schedules", summary: "Data API: the database's backup schedules", h: s.handleScheduleList},
		{method: "DELETE", path: "/client/v11/databases/{addon}/transfer-schedules/{schedule}", summary: "Data API: stop a backup schedule", h: s.handleScheduleDelete},
	}
}

func (b *backupStore) schedulePath(addonID string) string {
	return filepath.Join(b.dir, addonID, "schedule.json")
}

// schedule reads addonID's schedule; ok is false when it has none.
func (b *backupStore) schedule(addonID string) (rec scheduleRecord, ok bool, err error) {
	data, err := os.ReadFile(b.schedulePath(addonID))
	if errors.Is(err, os.ErrNotExist) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, err
	}
	return rec, true, json.Unmarshal(data, &rec)
}

func (b *backupStore) saveSchedule(addonID string, rec scheduleRecord) error {
	if err := os.MkdirAll(filepath.Join(b.dir, addonID), 0o700); err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	name := b.schedulePath(addonID)
	if err := os.WriteFile(name+".tmp", data, 0o600); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

func (s *Server) handleScheduleCreate(w http.ResponseWriter, r *http.Request) error {
	a, _, _, err := s.backupAddon(r)
	if err != nil {
		return err
	}
	var body wire.TransferScheduleCreate
	if err := decode(r, &body, false); err != nil {
		return err
	}
	hour := int(body.Hour)
	if hour < 0 || hour > 23 {
		return bera.Errorf(bera.EInvalid, "hour must be 0 to 23.")
	}
	if body.Timezone == "" {
		body.Timezone = "UTC"
	}
	if _, err := time.LoadLocation(body.Timezone); err != nil {
		return bera.Errorf(bera.EInvalid, "Unknown timezone %q: use a name such as UTC or Europe/Paris.", body.Timezone)
	}
	name := body.ScheduleName
	if name == "" {
		name = s.attachmentName(r.Context(), a) + "_URL"
	}
	rec := scheduleRecord{TransferSchedule: wire.TransferSchedule{UUID: stableID("transfer-schedule", a.ID), Name: name,
		Hour: hour, Timezone: body.Timezone}}
	s.backups.mu.Lock()
	if old, ok, err := s.backups.schedule(a.ID); err == nil && ok {
		rec.LastRun = old.LastRun
	}
	err = s.backups.saveSchedule(a.ID, rec)
	s.backups.mu.Unlock()
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rec.TransferSchedule)
}

func (s *Server) handleScheduleList(w http.ResponseWriter, r *http.Request) error {
	a, _, _, err := s.backupAddon(r)
	if err != nil {
		return err
	}
	s.backups.mu.Lock()
	rec, ok, err := s.backups.schedule(a.ID)
	s.backups.mu.Unlock()
	if err != nil {
		return err
	}
	out := []wire.TransferSchedule{}
	if ok {
		out = append(out, rec.TransferSchedule)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleScheduleDelete(w http.ResponseWriter, r *http.Request) error {
	a, _, _, err := s.backupAddon(r)
	if err != nil {
		return err
	}
	s.backups.mu.Lock()
	defer s.backups.mu.Unlock()
	rec, ok, err := s.backups.schedule(a.ID)
	if err != nil {
		return err
	}
	if !ok || (r.PathValue("schedule") != rec.UUID && r.PathValue("schedule") != rec.Name) {
		return bera.NotFound("transfer schedule")
	}
	if err := os.Remove(s.backups.schedulePath(a.ID)); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec.TransferSchedule)
}

// scheduleLoop runs the due schedules every scheduleTick until the server closes.
func (s *Server) scheduleLoop() {
	defer s.work.Done()
	t := time.NewTicker(scheduleTick)
	defer t.Stop()
	for {
		select {
		case <-s.bg.Done():
			return
		case <-t.C:
			s.runSchedules(s.bg, s.cfg.Now())
		}
	}
}

// runSchedules captures a backup of every provisioned heroku-postgresql add-on whose
// schedule is due at now and has not run that day.
func (s *Server) runSchedules(ctx context.Context, now time.Time) {
	if s.cfg.Addons == nil {
		return
	}
	prov, err := s.cfg.Addons.Provider(postgresService)
	if err != nil {
		return
	}
	bk, ok := prov.(addons.Backups)
	if !ok {
		return
	}
	list, err := s.store.ListAddons(ctx, "")
	if err != nil {
		s.log.Warn("listing add-ons for backup schedules", "err", err)
		return
	}
	for _, a := range list {
		if a.Service == postgresService && a.State == bera.AddonProvisioned {
			if err := s.runSchedule(ctx, a, bk, now); err != nil {
				s.log.Warn("scheduled backup", "addon", a.Name, "err", err)
			}
		}
	}
}

// runSchedule starts a's scheduled backup when it is due.
func (s *Server) runSchedule(ctx context.Context, a *bera.Addon, bk addons.Backups, now time.Time) error {
	s.backups.mu.Lock()
	rec, ok, err := s.backups.schedule(a.ID)
	if err != nil || !ok {
		s.backups.mu.Unlock()
		return err
	}
	loc, err := time.LoadLocation(rec.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := now.In(loc)
	day := local.Format(time.DateOnly)
	if local.Hour() != rec.Hour || rec.LastRun == day {
		s.backups.mu.Unlock()
		return nil
	}
	rec.LastRun = day
	err = s.backups.saveSchedule(a.ID, rec)
	s.backups.mu.Unlock()
	if err != nil {
		return err
	}
	t, err := s.newTransfer(ctx, a, wire.Transfer{FromName: s.attachmentName(ctx, a), FromType: "pg_dump", ToName: "SCHEDULED BACKUP",
		ToType: "gof3r", Schedule: &wire.IDName{ID: rec.UUID, Name: rec.Name}})
	if err != nil {
		return err
	}
	s.startBackup(t, bk)
	return nil
}
