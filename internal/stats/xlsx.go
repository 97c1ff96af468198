package stats

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
)

// XLSXOptions chooses what WriteXLSX writes.
type XLSXOptions struct {
	// Tables lists the tables to write, in order (default: every table of the report in its order).
	Tables []string
	// Unit is the issuing unit printed under each title (填报单位), optional.
	Unit string
}

// sheetNames are the short names of the standard tables (a sheet name has at most 31 characters).
var sheetNames = map[string]string{
	"type": "分类别", "division": "分地区", "sex": "分性别", "age5": "年龄结构（五组）", "age3": "年龄结构（三组）",
	"ethnicity": "分民族", "origin_province": "流动儿童户籍地", "parent_work_province": "留守儿童父母务工地",
	"school_stage": "就学情况", "study_status": "学业状况", "schooling": "辍学失学", "residence_registration": "居住登记",
	"health_mgmt_0_6": "0-6岁健康管理", "tcm_0_36m": "0-36月中医药健康管理", "medical_insurance": "医保",
	"disability": "残疾", "guardianship_quality": "监护情况", "guardianship_issue": "监护问题",
	"family_hardship": "家庭困难", "assistance": "生活保障", "key_care_reason": "重点关爱",
}

// SourceNote is the source line of every sheet, with the as-of date.
func SourceNote(asOf string) string {
	return "数据来源：流动儿童和留守儿童监测摸排数据，截至 " + asOf
}

// internalNote marks output that has not been through disclosure control.
const internalNote = "本表数据未经保密处理，仅供内部使用，不得对外发布。"

// WriteXLSX writes a report as a workbook: a first sheet with the report's scope (and, for an
// internal report, its totals and by_region), then one sheet per table with its title, the as-of
// date, the division, the population, the cells with their totals (numbers as numbers, withheld
// values as “*”), and the notes: the table's own, the meaning of “*” when suppressed, the internal
// use of unsuppressed figures, and the source with its date. To write tables that are not in a
// report (a cross-tab), put them in a Report with AsOf, Region and RegionName set.
func WriteXLSX(w io.Writer, r *Report, opt XLSXOptions) error {
	if r == nil {
		return fmt.Errorf("stats: write xlsx: no report")
	}
	keys := opt.Tables
	if len(keys) == 0 {
		keys = reportKeys(r)
	}
	for _, k := range keys {
		if r.Tables[k] == nil {
			return fmt.Errorf("stats: write xlsx: report has no table %q", k)
		}
		if err := r.Tables[k].check(); err != nil {
			return fmt.Errorf("stats: write xlsx: %w", err)
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsxWriter{f: f, r: r, opt: opt}
	if err := x.styles(); err != nil {
		return fmt.Errorf("stats: write xlsx: %w", err)
	}
	names := make([]string, len(keys))
	used := map[string]bool{}
	for i, k := range keys {
		names[i] = sheetName(i+1, k, r.Tables[k].Title, used)
	}
	if err := x.summary(keys, names); err != nil {
		return fmt.Errorf("stats: write xlsx: summary: %w", err)
	}
	for i, k := range keys {
		if err := x.table(names[i], r.Tables[k]); err != nil {
			return fmt.Errorf("stats: write xlsx: table %s: %w", k, err)
		}
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("stats: write xlsx: %w", err)
	}
	return nil
}

// sheetName makes a valid, unique sheet name: number and short name, at most 31 characters.
func sheetName(i int, key, title string, used map[string]bool) string {
	short := sheetNames[key]
	if short == "" {
		short = title
	}
	short = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]'`, r) {
			return '_'
		}
		return r
	}, short)
	name := fmt.Sprintf("%02d %s", i, short)
	for utf8.RuneCountInString(name) > 31 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	for base, k := []rune(name), 2; used[name]; k++ {
		name = string(base[:min(len(base), 25)]) + "_" + strconv.Itoa(k)
	}
	used[name] = true
	return name
}

type xlsxWriter struct {
	f   *excelize.File
	r   *Report
	opt XLSXOptions

	title, meta, header, label, number, mark, note int
}

func (x *xlsxWriter) styles() error {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	x.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	x.meta = mk(&excelize.Style{Font: &excelize.Font{Size: 10}})
	x.header = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	x.label = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	x.number = mk(&excelize.Style{Border: border, NumFmt: 3})
	x.mark = mk(&excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "right"}})
	x.note = mk(&excelize.Style{Font: &excelize.Font{Size: 9}, Alignment: &excelize.Alignment{WrapText: false}})
	return err
}

func cellName(col, row int) string {
	s, _ := excelize.CoordinatesToCellName(col, row)
	return s
}

// asOfChinese prints the as-of date as 2025年6月30日.
func (x *xlsxWriter) asOfChinese() string {
	d, _, err := child.ParseDate(x.r.AsOf)
	if err != nil {
		return x.r.AsOf
	}
	return d.Chinese()
}

func (x *xlsxWriter) regionText() string {
	if x.r.Region == "" {
		return x.r.RegionName
	}
	return x.r.RegionName + "（" + x.r.Region + "）"
}

// summary writes the first sheet.
func (x *xlsxWriter) summary(keys, names []string) error {
	const sheet = "总表"
	f := x.f
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	row := 1
	set := func(col int, v any, style int) error {
		c := cellName(col, row)
		if err := f.SetCellValue(sheet, c, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, c, c, style)
	}
	if err := set(1, "流动儿童和留守儿童统计分析", x.title); err != nil {
		return err
	}
	_ = f.MergeCell(sheet, "A1", "F1")
	row = 2
	lines := []string{"统计时点：" + x.asOfChinese(), "地区：" + x.regionText(), "分类规则：" + x.r.RulesVersion,
		fmt.Sprintf("口径：不满 %d 周岁；流动儿童离开户籍地 %d 个月以上；留守儿童父母外出务工 %d 个月以上。",
			x.r.Config.AgeLimit, x.r.Config.MigrantMonths, x.r.Config.LeftBehindMonths)}
	if x.opt.Unit != "" {
		lines = append(lines, "填报单位："+x.opt.Unit)
	}
	for _, l := range lines {
		if err := set(1, l, x.meta); err != nil {
			return err
		}
		row++
	}
	row++
	if x.r.Totals != nil {
		if err := x.grid(sheet, &row, "地区", []string{"登记儿童", "流动儿童（监测摸排范围）", "流动儿童（统计分析范围）", "留守儿童", "重点关爱服务对象"},
			[]string{x.r.RegionName}, [][]any{{x.r.Totals.Records, x.r.Totals.MigrantMonitoring, x.r.Totals.MigrantStatistics, x.r.Totals.LeftBehind, x.r.Totals.KeyCare}}); err != nil {
			return err
		}
		row++
	}
	if len(x.r.ByRegion) > 0 || x.r.ByRegionUnplaced != nil && *x.r.ByRegionUnplaced != (Counts{}) {
		var labels []string
		var vals [][]any
		for _, br := range x.r.ByRegion {
			labels = append(labels, br.RegionName)
			vals = append(vals, []any{br.MigrantMonitoring, br.MigrantStatistics, br.LeftBehind, br.KeyCare})
		}
		if u := x.r.ByRegionUnplaced; u != nil && *u != (Counts{}) {
			labels = append(labels, "地区不详")
			vals = append(vals, []any{u.MigrantMonitoring, u.MigrantStatistics, u.LeftBehind, u.KeyCare})
		}
		if err := x.grid(sheet, &row, "地区", []string{"流动儿童（监测摸排范围）", "流动儿童（统计分析范围）", "留守儿童", "重点关爱服务对象"}, labels, vals); err != nil {
			return err
		}
		row++
	}
	if err := set(1, "表目录", x.header); err != nil {
		return err
	}
	if err := set(2, "表名", x.header); err != nil {
		return err
	}
	row++
	for i, k := range keys {
		if err := set(1, names[i], x.label); err != nil {
			return err
		}
		if err := set(2, x.r.Tables[k].Title, x.label); err != nil {
			return err
		}
		row++
	}
	row++
	notes := []string{}
	if !x.r.Published {
		notes = append(notes, "注："+internalNote)
	}
	notes = append(notes, SourceNote(x.r.AsOf))
	for _, n := range notes {
		if err := set(1, n, x.note); err != nil {
			return err
		}
		row++
	}
	_ = f.SetColWidth(sheet, "A", "A", 24)
	return f.SetColWidth(sheet, "B", "F", 26)
}

// grid writes a small headed table of plain values.
func (x *xlsxWriter) grid(sheet string, row *int, corner string, cols, labels []string, vals [][]any) error {
	f := x.f
	put := func(col int, v any, style int) error {
		c := cellName(col, *row)
		if err := f.SetCellValue(sheet, c, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, c, c, style)
	}
	if err := put(1, corner, x.header); err != nil {
		return err
	}
	for j, c := range cols {
		if err := put(j+2, c, x.header); err != nil {
			return err
		}
	}
	*row++
	for i, l := range labels {
		if err := put(1, l, x.label); err != nil {
			return err
		}
		for j, v := range vals[i] {
			if err := put(j+2, v, x.number); err != nil {
				return err
			}
		}
		*row++
	}
	return nil
}

// totalLabel is the heading of the totals of an axis.
func totalLabel(k AxisKind) string {
	if k == Types || k == Set {
		return "合计（去重）"
	}
	return "合计"
}

// table writes one table on its own sheet.
func (x *xlsxWriter) table(sheet string, t *Table) error {
	f := x.f
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	m, n := t.NumRows(), t.NumCols()
	width := n + 1
	if t.RowTotals != nil {
		width++
	}
	row := 1
	put := func(col int, v any, style int) error {
		c := cellName(col, row)
		if err := f.SetCellValue(sheet, c, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, c, c, style)
	}
	value := func(col int, p pos) error {
		v, ok := t.at(p)
		switch {
		case !ok:
			return nil
		case t.Mask.at(p, m, n):
			return put(col, SuppressionMark, x.mark)
		}
		c := cellName(col, row)
		if err := f.SetCellInt(sheet, c, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, c, c, x.number)
	}
	if err := put(1, t.Title, x.title); err != nil {
		return err
	}
	_ = f.MergeCell(sheet, "A1", cellName(max(width, 4), 1))
	_ = f.SetRowHeight(sheet, 1, 24)
	row++
	meta := []string{"统计时点：" + x.asOfChinese() + "　　地区：" + x.regionText() + "　　单位：" + t.Unit}
	if t.Population != "" {
		meta = append(meta, "统计对象："+t.Population)
	}
	if x.opt.Unit != "" {
		meta = append(meta, "填报单位："+x.opt.Unit)
	}
	for _, s := range meta {
		if err := put(1, s, x.meta); err != nil {
			return err
		}
		row++
	}
	// Heading.
	if err := put(1, t.Rows.Title, x.header); err != nil {
		return err
	}
	for j, c := range t.Columns.Categories {
		if err := put(j+2, c.Label, x.header); err != nil {
			return err
		}
	}
	if t.RowTotals != nil {
		if err := put(n+2, totalLabel(t.Columns.Kind), x.header); err != nil {
			return err
		}
	}
	row++
	for i, c := range t.Rows.Categories {
		if err := put(1, c.Label, x.label); err != nil {
			return err
		}
		for j := 0; j <= n; j++ {
			if err := value(j+2, pos{i, j}); err != nil {
				return err
			}
		}
		row++
	}
	if t.ColumnTotals != nil {
		if err := put(1, totalLabel(t.Rows.Kind), x.header); err != nil {
			return err
		}
		for j := 0; j <= n; j++ {
			if err := value(j+2, pos{m, j}); err != nil {
				return err
			}
		}
		row++
	}
	row++
	var notes []string
	if t.Note != "" {
		notes = append(notes, "注："+t.Note)
	}
	if t.Mask != nil {
		notes = append(notes, "注："+suppressionNote(t.Mask.Threshold))
	} else if !x.r.Published {
		notes = append(notes, "注："+internalNote)
	}
	notes = append(notes, SourceNote(x.r.AsOf))
	for _, s := range notes {
		if err := put(1, s, x.note); err != nil {
			return err
		}
		row++
	}
	_ = f.SetColWidth(sheet, "A", "A", 30)
	last, _ := excelize.ColumnNumberToName(max(width, 2))
	return f.SetColWidth(sheet, "B", last, 16)
}
