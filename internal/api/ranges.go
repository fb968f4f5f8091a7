package api

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera"
)

// rangeSpec is a parsed Heroku Range header: `field [start]..[end][; max=N][, order=asc|desc]`.
// A leading `]` excludes the start bound; a trailing `[` excludes the end bound. Bounds are in
// iteration order, so with order=desc the start is the higher one.
type rangeSpec struct {
	field              string
	start, end         string
	startExcl, endExcl bool
	max                int
	desc               bool
}

const (
	defaultPageSize = 200
	maxPageSize     = 1000
)

var rangeRE = regexp.MustCompile(`^\s*([a-z_]+)\s*(\]?)([^.\s;,]*)\.\.([^\s;,\[]*)(\[?)\s*(.*)$`)

// parseRange parses h. An empty header gives the default field and order. Unknown fields and
// malformed values are ERange errors.
func parseRange(h string, fields []string, defaultDesc bool) (rangeSpec, error) {
	rs := rangeSpec{field: fields[0], max: defaultPageSize, desc: defaultDesc}
	if strings.TrimSpace(h) == "" {
		return rs, nil
	}
	m := rangeRE.FindStringSubmatch(h)
	if m == nil {
		return rs, bera.Errorf(bera.ERange, "Invalid Range header %q; expected e.g. \"%s ..; max=200, order=asc\".", h, fields[0])
	}
	if !slices.Contains(fields, m[1]) {
		return rs, bera.Errorf(bera.ERange, "Unsupported Range field %q; supported: %s.", m[1], strings.Join(fields, ", "))
	}
	rs.field, rs.startExcl, rs.start, rs.end, rs.endExcl = m[1], m[2] == "]", m[3], m[4], m[5] == "["
	for _, p := range strings.FieldsFunc(m[6], func(r rune) bool { return r == ';' || r == ',' }) {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.TrimSpace(k) {
		case "max":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 1 {
				return rs, bera.Errorf(bera.ERange, "Range max must be a positive integer.")
			}
			rs.max = min(n, maxPageSize)
		case "order":
			switch strings.TrimSpace(v) {
			case "asc":
				rs.desc = false
			case "desc":
				rs.desc = true
			default:
				return rs, bera.Errorf(bera.ERange, "Range order must be asc or desc.")
			}
		case "":
		default:
			return rs, bera.Errorf(bera.ERange, "Unknown Range parameter %q.", k)
		}
	}
	return rs, nil
}

// padKey makes numeric keys sort as strings.
func padKey(field, v string) string {
	if field == "version" {
		if n, err := strconv.Atoi(v); err == nil {
			return fmt.Sprintf("%012d", n)
		}
	}
	return v
}

// paginate orders items by the range's field, applies its bounds and max, and sets 206,
// Next-Range and Content-Range when more items remain. It never sets Next-Range on the last
// page: the Heroku CLI would loop forever. keys maps each field to an item's sort key.
func paginate[T any](w http.ResponseWriter, r *http.Request, items []T, keys map[string]func(T) string, fields []string, defaultDesc bool) ([]T, int, error) {
	rs, err := parseRange(r.Header.Get("Range"), fields, defaultDesc)
	if err != nil {
		return nil, 0, err
	}
	key := keys[rs.field]
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	if rs.desc {
		slices.Reverse(sorted)
	}
	start, end := padKey(rs.field, rs.start), padKey(rs.field, rs.end)
	var page []T
	more := false
	for _, it := range sorted {
		k := key(it)
		if start != "" && (before(k, start, rs.desc) || (rs.startExcl && k == start)) {
			continue
		}
		if end != "" && (before(end, k, rs.desc) || (rs.endExcl && k == end)) {
			continue
		}
		if len(page) == rs.max {
			more = true
			break
		}
		page = append(page, it)
	}
	if len(page) == 0 {
		return []T{}, http.StatusOK, nil
	}
	first, last := key(page[0]), key(page[len(page)-1])
	w.Header().Set("Content-Range", fmt.Sprintf("%s %s..%s", rs.field, unpad(rs.field, first), unpad(rs.field, last)))
	w.Header().Set("Accept-Ranges", strings.Join(fields, ", "))
	if !more {
		return page, http.StatusOK, nil
	}
	order := "asc"
	if rs.desc {
		order = "desc"
	}
	w.Header().Set("Next-Range", fmt.Sprintf("%s ]%s..; max=%d, order=%s", rs.field, unpad(rs.field, last), rs.max, order))
	return page, http.StatusPartialContent, nil
}

// before reports whether a comes before b in iteration order.
func before(a, b string, desc bool) bool {
	if desc {
		return a > b
	}
	return a < b
}

func unpad(field, k string) string {
	if field == "version" {
		if n, err := strconv.Atoi(k); err == nil {
			return strconv.Itoa(n)
		}
	}
	return k
}
