package addons

import (
	"crypto/rand"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
)

// Owner is the unprivileged user an instance's processes run as and its files belong to.
type Owner struct {
	UID, GID int
	// Switch is false when the server is not root: the instance then runs as the server's
	// own user (development machines), which it cannot change.
	Switch bool
}

// First uid handed out by InstanceOwner, and how many there are: a range of their own,
// after runtime.AppUID's 100000..159999, so no dyno shares a uid with an add-on.
const (
	uidBase  = 200000
	uidCount = 60000
)

// InstanceOwner returns the owner of instance id: a stable hash of id into
// 200000..259999 when the server runs as root, else the server's own user. Root's
// ancestors must be searchable (o+x) by that uid.
func InstanceOwner(id string) Owner {
	if os.Geteuid() != 0 {
		return Owner{UID: os.Geteuid(), GID: os.Getegid()}
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	uid := uidBase + int(h.Sum32()%uidCount)
	return Owner{UID: uid, GID: uid, Switch: true}
}

// Chown gives the tree at root to o (a no-op when o does not switch users).
func (o Owner) Chown(root string) error {
	if !o.Switch {
		return nil
	}
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, o.UID, o.GID)
	})
}

// WriteFile writes a file that only o can read (0600, owned by o).
func (o Owner) WriteFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return err
	}
	if !o.Switch {
		return nil
	}
	return os.Chown(path, o.UID, o.GID)
}

const passwordChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewPassword returns n random letters and digits (Heroku's passwords are 65 of them).
func NewPassword(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			// Bytes past the last whole multiple of 62 would favour the first letters.
			if c < 248 && len(out) < n {
				out = append(out, passwordChars[int(c)%len(passwordChars)])
			}
		}
	}
	return string(out)
}
