package stats

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// SnapshotVersion is the version of the snapshot format written by Report.Snapshot.
const SnapshotVersion = 1

// Snapshot is the compact, serialisable form of a report that the store keeps once a month
// so that the API can show trends: the numbers and their codes, without labels, notes or
// percentages (those come from the current code tables). A withheld value of a published report
// is stored as -1 and reads as absent.
type Snapshot struct {
	Version      int                  `json:"v"`
	AsOf         string               `json:"as_of"`
	Region       string               `json:"region"`
	RulesVersion string               `json:"rules_version"`
	Published    bool                 `json:"published,omitempty"`
	Tables       map[string]SnapTable `json:"tables"`
}

// SnapTable is one table of a snapshot: row codes, column codes and the values of the extended
// grid row by row — each body row followed by its total, then the totals row — with -1 where
// there is no value (no total along a measures axis) or the value is withheld. "total" names the
// totals row and column.
type SnapTable struct {
	Rows []string `json:"r"`
	Cols []string `json:"c"`
	V    []int64  `json:"v"`
}

// Snapshot returns the snapshot of the report. The headline counts are the pseudo-tables
// "totals" (row "total"; columns records, migrant_monitoring, migrant_statistics, left_behind,
// key_care), "undetermined" and "by_region" (rows: division codes and unknown).
func (r *Report) Snapshot() *Snapshot {
	s := &Snapshot{Version: SnapshotVersion, AsOf: r.AsOf, Region: r.Region, RulesVersion: r.RulesVersion,
		Published: r.Published, Tables: map[string]SnapTable{}}
	counts := []string{"migrant_monitoring", "migrant_statistics", "left_behind", "key_care"}
	row := func(c Counts) []int64 {
		return []int64{c.MigrantMonitoring, c.MigrantStatistics, c.LeftBehind, c.KeyCare}
	}
	if r.Totals != nil {
		s.Tables["totals"] = SnapTable{Rows: []string{"total"}, Cols: append([]string{"records"}, counts...),
			V: append([]int64{r.Totals.Records}, row(r.Totals.Counts)...)}
	}
	if r.Undetermined != nil {
		s.Tables["undetermined"] = SnapTable{Rows: []string{"total"}, Cols: counts, V: row(*r.Undetermined)}
	}
	if r.ByRegion != nil {
		st := SnapTable{Cols: counts}
		for _, br := range r.ByRegion {
			st.Rows = append(st.Rows, br.RegionCode)
			st.V = append(st.V, row(br.Counts)...)
		}
		if u := r.ByRegionUnplaced; u != nil {
			st.Rows = append(st.Rows, Unknown)
			st.V = append(st.V, row(*u)...)
		}
		s.Tables["by_region"] = st
	}
	for k, t := range r.Tables {
		if t == nil || t.check() != nil {
			continue
		}
		m, n := t.NumRows(), t.NumCols()
		st := SnapTable{Rows: make([]string, m), Cols: make([]string, n), V: make([]int64, 0, (m+1)*(n+1))}
		for i, c := range t.Rows.Categories {
			st.Rows[i] = c.Code
		}
		for j, c := range t.Columns.Categories {
			st.Cols[j] = c.Code
		}
		for i := 0; i <= m; i++ {
			for j := 0; j <= n; j++ {
				v, ok := t.at(pos{i, j})
				if !ok || t.Mask.at(pos{i, j}, m, n) {
					v = -1
				}
				st.V = append(st.V, v)
			}
		}
		s.Tables[k] = st
	}
	return s
}

// ErrSnapshotKey is wrapped by the errors of Value and Trend for a key that names nothing.
var ErrSnapshotKey = errors.New("unknown snapshot key")

// Value returns one number of the snapshot by key: "totals.<column>", "undetermined.<column>",
// "by_region.<code>.<column>", "<table>.<row code>.<column code>" with "total" for a total, and
// "<table>.total" for a table's grand total. ok is false when the snapshot has the table but not
// the value (a category absent that month, or a withheld value); an error means the snapshot has
// no such table or the key is malformed.
func (s *Snapshot) Value(key string) (v int64, ok bool, err error) {
	table, rowCode, colCode, err := splitKey(key)
	if err != nil {
		return 0, false, err
	}
	st, found := s.Tables[table]
	if !found {
		return 0, false, fmt.Errorf("%w: %q: no table %q", ErrSnapshotKey, key, table)
	}
	n := len(st.Cols)
	width := n + 1
	if table == "totals" || table == "undetermined" || table == "by_region" {
		width = n // pseudo-tables have no totals column
	}
	i := indexOfCode(st.Rows, rowCode, width == n)
	j := indexOfCode(st.Cols, colCode, width == n)
	if i < 0 || j < 0 || i*width+j >= len(st.V) {
		return 0, false, nil
	}
	v = st.V[i*width+j]
	return v, v >= 0, nil
}

// indexOfCode finds a code among codes; "total" is the position after them unless noTotal.
func indexOfCode(codes []string, code string, noTotal bool) int {
	for i, c := range codes {
		if c == code {
			return i
		}
	}
	if code == "total" && !noTotal {
		return len(codes)
	}
	return -1
}

// splitKey parses a snapshot key into table, row and column codes.
func splitKey(key string) (table, row, col string, err error) {
	parts := strings.Split(key, ".")
	switch {
	case len(parts) == 2 && (parts[0] == "totals" || parts[0] == "undetermined"):
		return parts[0], "total", parts[1], nil
	case len(parts) == 2 && parts[1] == "total":
		return parts[0], "total", "total", nil
	case len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "":
		return parts[0], parts[1], parts[2], nil
	}
	return "", "", "", fmt.Errorf("%w: %q is not table.row.column", ErrSnapshotKey, key)
}

// TrendPoint is one month of a trend.
type TrendPoint struct {
	AsOf  string `json:"as_of"`
	Value int64  `json:"value"`
	// Present is false when that snapshot lacks the value (withheld, or the category absent).
	Present bool `json:"present"`
}

// Trend reads the series of one value (a Value key) out of snapshots of one region, in date
// order. It fails when the snapshots are of different regions, or when no snapshot has the
// key's table (a misspelt key).
func Trend(snapshots []Snapshot, key string) ([]TrendPoint, error) {
	if _, _, _, err := splitKey(key); err != nil {
		return nil, fmt.Errorf("stats: trend: %w", err)
	}
	out := make([]TrendPoint, 0, len(snapshots))
	found := false
	for i := range snapshots {
		s := &snapshots[i]
		if s.Region != snapshots[0].Region {
			return nil, fmt.Errorf("stats: trend: snapshots of regions %q and %q cannot make one series", snapshots[0].Region, s.Region)
		}
		v, ok, err := s.Value(key)
		if err == nil {
			found = true
		}
		out = append(out, TrendPoint{AsOf: s.AsOf, Value: v, Present: ok})
	}
	if len(snapshots) > 0 && !found {
		return nil, fmt.Errorf("stats: trend: %w: %q", ErrSnapshotKey, key)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].AsOf < out[b].AsOf })
	return out, nil
}
