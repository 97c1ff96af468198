package stats

import (
	"sort"
	"time"
)

// SuppressReport returns the published form of a report: every table suppressed with
// SuppressTables (so that values the tables share are withheld alike), and the internal counts
// (totals, undetermined, by_region), which are unsuppressed, left out. The infos, keyed by table,
// say which values are primary and are for internal use only.
func SuppressReport(r *Report, threshold int) (*Report, map[string]SuppressionInfo) {
	return SuppressReportWithin(r, threshold, 0)
}

// SuppressReportWithin is SuppressReport with a time budget (0: none), for servers. The search for
// complementary cells can take long on sparse reports (a township of a few hundred children with
// many values of 1–4): when the budget runs out while values are still exposed, every table of
// the report is withheld entirely (ErrBudget in the infos), which discloses nothing; when it runs
// out while pruning, the pruning stops where it is (every step of it was audited), which leaves
// more withheld than needed but nothing exposed.
func SuppressReportWithin(r *Report, threshold int, budget time.Duration) (*Report, map[string]SuppressionInfo) {
	keys := reportKeys(r)
	tables := make([]*Table, len(keys))
	for i, k := range keys {
		tables[i] = r.Tables[k]
	}
	var deadline time.Time
	if budget > 0 {
		deadline = time.Now().Add(budget)
	}
	out, infos := suppressTablesBy(tables, r.hidden, threshold, deadline)
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
