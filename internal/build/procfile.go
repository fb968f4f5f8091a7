package build

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/srctree"
)

// maxProcfile caps the size of a Procfile; anything larger is surely not one.
const maxProcfile = 1 << 20

// procfileLine is Heroku's Procfile grammar: a process type, a colon, a command.
var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.*)$`)

// procfileType matches a valid process type name.
var procfileType = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ParseProcfile reads a Procfile: one "type: command" per line, types made of
// [A-Za-z0-9_-]. Blank lines and lines starting with "#" are ignored. A malformed line, an
// empty command, a type given twice or a file over 1 MB is an error (code bera.EInvalid)
// naming the line or the limit; nothing is silently cut off.
func ParseProcfile(r io.Reader) (map[string]string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxProcfile+1))
	if err != nil {
		return nil, bera.Errorf(bera.EInvalid, "Procfile could not be read.")
	}
	if len(b) > maxProcfile {
		return nil, bera.Errorf(bera.EInvalid, "Procfile is larger than the limit of %s.", srctree.Size(maxProcfile))
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxProcfile+1)
	types := map[string]string{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		typ, cmd, err := parseProcfileLine(line)
		if err != nil {
			return nil, bera.Errorf(bera.EInvalid, "Procfile line %d: %s", n, err)
		}
		if _, dup := types[typ]; dup {
			return nil, bera.Errorf(bera.EInvalid, "Procfile line %d: process type %q is defined twice.", n, typ)
		}
		types[typ] = cmd
	}
	if err := sc.Err(); err != nil {
		return nil, bera.Errorf(bera.EInvalid, "Procfile could not be read: %s.", err)
	}
	return types, nil
}

// parseProcfileLine splits one non-blank, non-comment line.
func parseProcfileLine(line string) (typ, cmd string, err error) {
	m := procfileLine.FindStringSubmatch(line)
	if m == nil {
		return "", "", fmt.Errorf("expected \"type: command\" with a type made of letters, digits, '_' and '-'")
	}
	if strings.TrimSpace(m[2]) == "" {
		return "", "", fmt.Errorf("process type %q has no command", m[1])
	}
	return m[1], strings.TrimSpace(m[2]), nil
}
