package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect holds the few differences between SQLite and PostgreSQL. Queries are written once, with
// "?" placeholders, SQL that both databases accept (ON CONFLICT … DO UPDATE, RETURNING, TRUE and
// FALSE, substr) and times passed in as arguments rather than now(); the dialect rewrites the
// placeholders for PostgreSQL and converts the few values whose storage differs.
type dialect struct {
	name     string // "sqlite" or "postgres"
	postgres bool

	rebound sync.Map // query with ? → query with $n (PostgreSQL)
}

func newDialect(postgres bool) *dialect {
	if postgres {
		return &dialect{name: "postgres", postgres: true}
	}
	return &dialect{name: "sqlite"}
}

// timeLayout is how SQLite stores instants: UTC, fixed width, so that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000Z"

// bind rewrites "?" placeholders into "$1", "$2", … for PostgreSQL. Question marks inside quoted
// strings are left alone. Results are cached: the store's queries are few and built from
// constants.
func (d *dialect) bind(q string) string {
	if !d.postgres {
		return q
	}
	if v, ok := d.rebound.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	if len(q) < 4096 { // do not cache the long generated multi-row inserts
		d.rebound.Store(q, out)
	}
	return out
}

// timeArg converts an instant for a query argument: TIMESTAMPTZ takes time.Time; SQLite keeps
// fixed-width UTC text.
func (d *dialect) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if d.postgres {
		return t.UTC()
	}
	return t.UTC().Format(timeLayout)
}

// forUpdate is the row-lock suffix of a SELECT inside a write transaction. SQLite has one writer
// (BEGIN IMMEDIATE), so it needs none.
func (d *dialect) forUpdate() string {
	if d.postgres {
		return " FOR UPDATE"
	}
	return ""
}

// lockKey serialises, until the end of the transaction, the writers that work on one blind-index
// value (a child's ID number), so that two concurrent registrations of the same child cannot both
// pass the duplicate check. SQLite's single writer already serialises every write transaction.
func (d *dialect) lockKey(t *tx, key string) error {
	if !d.postgres || key == "" {
		return nil
	}
	h, err := hex.DecodeString(key[:16])
	if err != nil || len(h) != 8 {
		return fmt.Errorf("store: lock key %q is not a blind index", key)
	}
	_, err = t.exec("SELECT pg_advisory_xact_lock(?)", int64(binary.BigEndian.Uint64(h)))
	return err
}

// lockKeys takes lockKey for many keys with one statement; the caller sorts them, so that two
// transactions always lock in the same order and cannot deadlock.
func (d *dialect) lockKeys(t *tx, keys []string) error {
	if !d.postgres || len(keys) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(keys))
	for _, key := range keys {
		h, err := hex.DecodeString(key[:16])
		if err != nil || len(h) != 8 {
			return fmt.Errorf("store: lock key %q is not a blind index", key)
		}
		ids = append(ids, int64(binary.BigEndian.Uint64(h)))
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	_, err := t.exec("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(?::bigint[]) AS k ORDER BY 1) s", ids)
	return err
}

// scanTime reads an instant stored by timeArg, whichever form the driver returns.
type scanTime struct{ t *time.Time }

// Scan implements sql.Scanner.
func (s scanTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("store: time column holds %T", v)
	}
	return nil
}

func (s scanTime) parse(x string) error {
	t, err := time.Parse(time.RFC3339Nano, x)
	if err != nil {
		return fmt.Errorf("store: time column: %w", err)
	}
	*s.t = t.UTC()
	return nil
}

// aad strings bind each sealed value to its table column and its row, so that a ciphertext moved
// to another column or another child fails to open (seal.ErrTampered).
func aadRecord(uid string) string { return "children.record:" + uid }

func aadBrief(uid string) string { return "children.brief:" + uid }

func aadVersion(uid string, v int) string {
	return "child_versions.record:" + uid + ":" + strconv.Itoa(v)
}

func aadDiff(uid string, v int) string { return "child_versions.diff:" + uid + ":" + strconv.Itoa(v) }

func aadNote(uid string, v int) string { return "child_versions.note:" + uid + ":" + strconv.Itoa(v) }

func aadTransition(uid string, at time.Time) string {
	return "child_transitions.reason:" + uid + ":" + strconv.FormatInt(at.UnixMilli(), 10)
}

func aadCells(batch string, row int) string {
	return "import_rows.cells:" + batch + ":" + strconv.Itoa(row)
}

func aadIssues(batch string, row int) string {
	return "import_rows.issues:" + batch + ":" + strconv.Itoa(row)
}

func aadResolution(id int64) string { return "review_queue.resolution:" + strconv.FormatInt(id, 10) }

// Blind-index kinds. Each kind is its own HMAC domain (seal.BlindIndex), so equal values of
// different kinds never share an index.
const (
	kindChildID  = "child.id_number"
	kindPerson   = "child.person" // name | birth date | sex, for children without an ID number
	kindName     = "child.name"
	kindPinyin   = "child.name.pinyin"
	kindInitials = "child.name.initials"
	kindParentID = "parent.id_number" // father, mother, other guardian and caregiver alike
)
