package stats

import (
	"fmt"

	"guanai/internal/region"
)

// CrossTab counts the population q.Population (default: children, the migrant and left-behind
// children of the region) by any two registered dimensions (Dimensions) in one pass, with row and
// column totals and percentages. level applies to region dimensions (region, residence, hukou):
// 0 means one level below q.Region (for the whole database, one level below the deepest division
// holding every place). The region dimension places units as the population does; crossed with
// type it places each type by its own address (migrant children by residence, left-behind
// children by hukou) and the type columns become independent measures without a row total.
func CrossTab(src Source, q Query, rowDim, colDim string, level region.Level) (*Table, error) {
	p, err := newPlan(q)
	if err != nil {
		return nil, fmt.Errorf("stats: cross-tab: %w", err)
	}
	if level != 0 && region.CodeLen(level) == 0 {
		return nil, queryErr("交叉表的区划层级 %d 无效，应为 0–5", level)
	}
	if rowDim == colDim {
		return nil, queryErr("交叉表的行和列不能是同一个维度（%s）", rowDim)
	}
	rows, cols := newDim(rowDim, p.pop, level), newDim(colDim, p.pop, level)
	for _, d := range []struct {
		key string
		d   *dim
	}{{rowDim, rows}, {colDim, cols}} {
		if d.d == nil {
			return nil, queryErr("没有维度“%s”（见 /api/v1/stats/dimensions）", d.key)
		}
	}
	pop := populations[p.pop]
	spec := &tableSpec{key: "crosstab:" + rowDim + "×" + colDim, pop: p.pop,
		title: "交叉表：" + rows.title + " × " + cols.title}
	if rows.kind != Partition && cols.kind != Partition {
		spec.note = "两个维度均非互斥分类，公布前的保密审计按线性松弛计算（见 docs/statistics.md）。"
	}

	// Region × type: each type at its own place.
	if (rowDim == "region" && colDim == "type") || (rowDim == "type" && colDim == "region") {
		ms := []measure{measureMM, measureMSOnly, measureLB}
		for i := range ms {
			on := ms[i].on
			ms[i].on = func(c *recCtx) bool { return pop.in(c) && on(c) }
		}
		e, err := run(src, p, func() *engine {
			return &engine{p: p, places: newMeasuresAcc(level, ms...), allRecords: p.pop == PopRecords}
		})
		if err != nil {
			return nil, fmt.Errorf("stats: cross-tab: read records: %w", err)
		}
		acc := e.places
		base := p.region
		if base == "" {
			base = p.commonDivision(activeCodes(&acc.rows, acc.rowCount))
		}
		spec.note = "各类别按各自的统计地点计入（流动儿童按现居住地、留守儿童按户籍地），列间无合计。"
		t := acc.finish(p, spec, base, 0, 1, 2)
		if rowDim == "type" {
			t = t.transpose()
		}
		return t, nil
	}

	e, err := run(src, p, func() *engine {
		return &engine{p: p, accs: []*accum{newAccum(spec, pop.in, newDim(rowDim, p.pop, level), newDim(colDim, p.pop, level))},
			allRecords: p.pop == PopRecords}
	})
	if err != nil {
		return nil, fmt.Errorf("stats: cross-tab: read records: %w", err)
	}
	a := e.accs[0]
	rowBase, colBase := p.region, p.region
	if p.region == "" {
		rowBase = p.commonDivision(activeCodes(&a.rows, func(i int) int64 { return at(a.rowTot, i) }))
		colBase = p.commonDivision(activeCodes(&a.cols, func(i int) int64 { return at(a.colTot, i) }))
	}
	return a.finishWith(p, rowBase, colBase), nil
}

// activeCodes lists the codes of a region axis that counted somebody.
func activeCodes(a *axisAcc, count func(int) int64) []string {
	var out []string
	for i, c := range a.list {
		if count(i) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// transpose swaps the rows and columns of a table.
func (t *Table) transpose() *Table {
	m, n := t.NumRows(), t.NumCols()
	out := &Table{Key: t.Key, Title: t.Title, Population: t.Population, PopulationKey: t.PopulationKey,
		Unit: t.Unit, Note: t.Note, Rows: t.Columns, Columns: t.Rows, RowTotals: t.ColumnTotals,
		ColumnTotals: t.RowTotals, Total: t.Total}
	out.Cells = make([][]int64, n)
	for j := range n {
		out.Cells[j] = make([]int64, m)
		for i := range m {
			out.Cells[j][i] = t.Cells[i][j]
		}
	}
	if t.Mask != nil {
		mk := &Mask{Threshold: t.Mask.Threshold, RowTotals: t.Mask.ColumnTotals, ColumnTotals: t.Mask.RowTotals, Total: t.Mask.Total}
		mk.Cells = make([][]bool, n)
		for j := range n {
			mk.Cells[j] = make([]bool, m)
			for i := range m {
				mk.Cells[j][i] = t.Mask.Cells[i][j]
			}
		}
		out.Mask = mk
	}
	out.computePercents()
	return out
}
