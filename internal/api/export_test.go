package api

import (
	"context"
	"time"
)

// RunSchedules runs the backup schedules due at now, as the server's loop does each minute.
func (s *Server) RunSchedules(ctx context.Context, now time.Time) { s.runSchedules(ctx, now) }
