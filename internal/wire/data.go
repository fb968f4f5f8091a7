package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// The data API's shapes: what Heroku's CLI reads from /client/v11, /postgres/v0 and
// /redis/v0 (its pg:* and redis:* commands, with HEROKU_DATA_HOST pointing at Bera).

// DataInfoRow is one line of pg:info or redis:info.
type DataInfoRow struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// PGDatabase is GET /client/v11/databases/{id}: the CLI matches resource_url against the
// app's config vars to name the database, and prints info (which must be an array).
type PGDatabase struct {
	AddonID     string        `json:"addon_id"`
	Name        string        `json:"name"`
	Plan        string        `json:"plan"`
	ResourceURL string        `json:"resource_url"`
	Info        []DataInfoRow `json:"info"`
	CreatedAt   string        `json:"created_at"`
}

// PGCredential is one credential of GET /postgres/v0/databases/{id}/credentials. The list
// leaves the password out; GET …/credentials/{name} (pg:credentials:url) has it.
type PGCredential struct {
	UUID        string             `json:"uuid"`
	Name        string             `json:"name"`
	State       string             `json:"state"`
	Database    string             `json:"database"`
	Host        string             `json:"host"`
	Port        int                `json:"port"`
	Credentials []PGCredentialUser `json:"credentials"`
}

// PGCredentialUser is a login of a credential; Password is a secret, set only when asked.
type PGCredentialUser struct {
	User        string `json:"user"`
	Password    string `json:"password,omitempty"`
	State       string `json:"state"`
	Connections *int   `json:"connections"`
}

// PGRotation is the optional body of a credentials_rotation.
type PGRotation struct {
	Forced bool `json:"forced"`
}

// RedisDatabase is GET /redis/v0/databases/{id}. redis:cli picks its transport from plan
// and prefer_native_tls: native TLS on resource_url's port, or, for a plan starting with
// "hobby", plain TCP.
type RedisDatabase struct {
	AddonID         string        `json:"addon_id"`
	Name            string        `json:"name"`
	Plan            string        `json:"plan"`
	PreferNativeTLS bool          `json:"prefer_native_tls"`
	ResourceURL     string        `json:"resource_url"`
	Info            []DataInfoRow `json:"info"`
	CreatedAt       string        `json:"created_at"`
}

// DataMessage is the body of data API actions that only report what they did.
type DataMessage struct {
	Message string `json:"message"`
}

// Transfer is a pg:backups transfer (GET /client/v11/apps/{app}/transfers): a backup
// (pg_dump → gof3r, named b001), or a restore (gof3r → pg_restore, r001). The CLI names it
// from num and the types, sorts by created_at and waits for finished_at.
type Transfer struct {
	UUID           string        `json:"uuid"`
	Num            int           `json:"num"`
	FromName       string        `json:"from_name"`
	FromType       string        `json:"from_type"`
	FromURL        string        `json:"from_url"`
	ToName         string        `json:"to_name"`
	ToType         string        `json:"to_type"`
	ToURL          string        `json:"to_url"`
	Options        struct{}      `json:"options"`
	Schedule       *IDName       `json:"schedule"`
	Succeeded      bool          `json:"succeeded"`
	Canceled       bool          `json:"canceled"`
	Warnings       int           `json:"warnings"`
	ProcessedBytes int64         `json:"processed_bytes"`
	SourceBytes    int64         `json:"source_bytes"`
	CreatedAt      string        `json:"created_at"`
	StartedAt      *string       `json:"started_at"`
	FinishedAt     *string       `json:"finished_at"`
	UpdatedAt      string        `json:"updated_at"`
	Logs           []TransferLog `json:"logs,omitempty"`
}

// TransferLog is a line of a transfer's log (shown with ?verbose=true).
type TransferLog struct {
	CreatedAt string `json:"created_at"`
	Message   string `json:"message"`
}

// TransferRestore is the body of POST /client/v11/databases/{id}/restores.
type TransferRestore struct {
	BackupURL  string   `json:"backup_url"`
	Extensions []string `json:"extensions"`
}

// PublicURL is a backup's signed, short-lived download URL (pg:backups:download).
type PublicURL struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// DatabaseReset is the body of PUT /client/v11/databases/{id}/reset (pg:reset).
type DatabaseReset struct {
	Extensions []string `json:"extensions"`
}

// RedisConfigUpdate is the body of PATCH /redis/v0/databases/{id}/config.
type RedisConfigUpdate struct {
	MaxmemoryPolicy *string `json:"maxmemory_policy"`
}

// RedisConfig is what PATCH /redis/v0/databases/{id}/config answers: redis:maxmemory
// prints maxmemory_policy.value and the description values gives it.
type RedisConfig struct {
	MaxmemoryPolicy RedisSetting `json:"maxmemory_policy"`
}

// RedisSetting is a setting's value and the descriptions of the values it can take.
type RedisSetting struct {
	Value  string            `json:"value"`
	Values map[string]string `json:"values"`
}

// TransferSchedule is a daily backup schedule (pg:backups:schedules): at hour:00 in
// timezone. Name is the attachment's config var (DATABASE_URL).
type TransferSchedule struct {
	UUID     string `json:"uuid"`
	Name     string `json:"name"`
	Hour     int    `json:"hour"`
	Timezone string `json:"timezone"`
}

// TransferScheduleCreate is the body of POST /client/v11/databases/{id}/transfer-schedules;
// the CLI sends hour as a string ("02").
type TransferScheduleCreate struct {
	Hour         Hour   `json:"hour"`
	Timezone     string `json:"timezone"`
	ScheduleName string `json:"schedule_name"`
}

// Hour is an hour of the day sent as a number or as a string of digits ("02").
type Hour int

// UnmarshalJSON accepts 2 or "02"; anything else is an error.
func (h *Hour) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		s = string(data)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("hour %s: not a number", data)
	}
	*h = Hour(n)
	return nil
}
