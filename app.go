package bera

import (
	"crypto/rand"
	"math/big"
	"regexp"
	"time"
)

// App is a deployable application.
type App struct {
	ID          string
	Name        string
	OwnerID     string
	OwnerEmail  string // filled by the store on reads
	Region      string
	Stack       string
	BuildStack  string
	Maintenance bool
	// BootTimeout is how long a web dyno may take to bind $PORT, in seconds (R10 past it);
	// 0 means the server's default.
	BootTimeout int
	// Buildpacks are set by the user (URLs or built-in names), in order; empty means detect.
	Buildpacks []string
	// SpaceID is the Private Space the app's dynos run in ("" for the common runtime), and
	// SpaceName its name (filled by the store on reads). InternalRouting keeps the app off
	// the public router: only its space's apps reach it.
	SpaceID         string
	SpaceName       string
	InternalRouting bool
	RepoSize        int64
	SlugSize        int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	ReleasedAt      *time.Time
}

// AppUpdate lists the fields of an app to change; nil means unchanged.
type AppUpdate struct {
	Name        *string
	Maintenance *bool
	BuildStack  *string
	Buildpacks  *[]string
	BootTimeout *int
}

// Default values for new apps.
const (
	DefaultRegion = "local"
	DefaultStack  = "heroku-24"
)

var appNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)

// ValidateAppName checks a name against Heroku's rules: 3 to 30 characters, lower-case
// letters, digits and dashes, starting with a letter and not ending with a dash.
func ValidateAppName(name string) error {
	if !appNameRE.MatchString(name) {
		return &Error{Code: EInvalid, Resource: "app", Message: "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes, and must be between 3 and 30 characters."}
	}
	return nil
}

var (
	nameAdjectives = []string{"afternoon", "ancient", "blooming", "bold", "calm", "crimson", "damp", "dry", "fierce", "floating", "fresh", "gentle", "golden", "hidden", "lively", "misty", "morning", "murmuring", "nameless", "polar", "quiet", "rapid", "shrouded", "silent", "sparkling", "still", "sunny", "twilight", "wild", "young"}
	nameNouns      = []string{"badlands", "bastion", "beach", "brook", "canyon", "cliffs", "coast", "cove", "dawn", "desert", "dune", "falls", "field", "forest", "garden", "glacier", "harbor", "island", "lake", "meadow", "mesa", "mountain", "ocean", "plains", "reef", "river", "savannah", "sea", "shore", "springs", "taiga", "tundra", "valley", "woods"}
)

// GenerateAppName returns a random Heroku-style name such as "calm-river-12345".
func GenerateAppName() string {
	pick := func(list []string) string {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
		return list[n.Int64()]
	}
	n, _ := rand.Int(rand.Reader, big.NewInt(90000))
	return pick(nameAdjectives) + "-" + pick(nameNouns) + "-" + itoa5(int(n.Int64())+10000)
}

func itoa5(n int) string {
	b := []byte("00000")
	for i := 4; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// DefaultBootTimeout is the boot timeout of apps that set none, in seconds.
const DefaultBootTimeout = 60

// MaxBootTimeout is the longest boot timeout an app may set, in seconds (Heroku allows 180).
const MaxBootTimeout = 180
