package web

import (
	"context"

	"guanai/internal/stats"
)

// publishedTotals are the series of the headline totals in a published snapshot, which has no
// totals (they are not suppressed as a table is): the cells of the published tables that hold
// them. migrant_statistics is the sum of two cells.
var publishedTotals = map[string][]string{
	"totals.migrant_monitoring": {"type.migrant_monitoring.count"},
	"totals.migrant_statistics": {"type.migrant_monitoring.count", "type.migrant_statistics_only.count"},
	"totals.left_behind":        {"type.left_behind.count"},
	"totals.key_care":           {"key_care_reason.total"},
}

// loadTrend is stats.LoadTrend, with the headline totals of a published trend read from the
// published tables: a statistician's dashboard asked for totals.* of published snapshots and
// got 400 (issue 15).
func (s *Server) loadTrend(ctx context.Context, code, key, from, to string, publish bool) ([]stats.TrendPoint, error) {
	parts, ok := publishedTotals[key]
	if !publish || !ok {
		return stats.LoadTrend(ctx, s.Figures, code, key, from, to, publish)
	}
	var sum []stats.TrendPoint
	for _, k := range parts {
		pts, err := stats.LoadTrend(ctx, s.Figures, code, k, from, to, publish)
		if err != nil {
			return nil, err
		}
		if sum == nil {
			sum = pts
			continue
		}
		for i := range sum {
			if i >= len(pts) || pts[i].AsOf != sum[i].AsOf || !pts[i].Present {
				sum[i].Present, sum[i].Value = false, 0
				continue
			}
			sum[i].Value += pts[i].Value
		}
	}
	return sum, nil
}
