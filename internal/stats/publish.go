package stats

import "sort"

// SuppressReport returns the published form of a report: every table suppressed with
// SuppressTables (so that values the tables share are withheld alike), and the internal counts
// (totals, undetermined, by_region), which are unsuppressed, left out. The infos, keyed by table,
// say which values are primary and are for internal use only.
func SuppressReport(r *Report, threshold int) (*Report, map[string]SuppressionInfo) {
	keys := reportKeys(r)
	tables := make([]*Table, len(keys))
	for i, k := range keys {
		tables[i] = r.Tables[k]
	}
	out, infos := suppressTables(tables, r.hidden, threshold)
	pub := *r
	pub.Totals, pub.Undetermined, pub.ByRegion, pub.ByRegionUnplaced = nil, nil, nil, nil
	pub.Published = true
	pub.hidden = nil
	pub.Tables = make(map[string]*Table, len(keys))
	pub.TableOrder = keys
	byKey := make(map[string]SuppressionInfo, len(keys))
	for i, k := range keys {
		pub.Tables[k] = out[i]
		byKey[k] = infos[i]
	}
	return &pub, byKey
}

// reportKeys lists the tables of a report in its order, then any others by key.
func reportKeys(r *Report) []string {
	seen := map[string]bool{}
	var keys []string
	for _, k := range r.TableOrder {
		if _, ok := r.Tables[k]; ok && !seen[k] {
			keys = append(keys, k)
			seen[k] = true
		}
	}
	var rest []string
	for k := range r.Tables {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}
