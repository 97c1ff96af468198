// Package population reads the child population figures that the statistics bureau publishes by
// division (人口普查、人口抽样调查、流动人口统计): children under 16, migrant and left-behind children
// where published, by sex and by age group, with the source and the reference year. The figures
// are the denominators of the coverage tables (internal/stats coverage.go): how many children the
// survey should have found in a division. The workbook is the layout statistics offices already
// keep — one row per division, the division code first — read with internal/sheet; no I/O beyond
// the readers and writers handed in. See docs/statistics.md (登记覆盖).
package population

import (
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"guanai/internal/region"
	"guanai/internal/sheet"
)

// Sources of figures: the survey a figure comes from.
const (
	SourceCensus  = "census"             // 人口普查
	SourceSample  = "sample_survey"      // 人口抽样调查
	SourceMigrant = "migrant_statistics" // 流动人口统计
	SourceOther   = "other"              // 其他
)

// Sources lists the source codes in order of preference: when a division has figures of several
// sources for one year, coverage takes the first.
var Sources = []string{SourceCensus, SourceSample, SourceMigrant, SourceOther}

var sourceLabels = map[string]string{SourceCensus: "人口普查", SourceSample: "人口抽样调查", SourceMigrant: "流动人口统计", SourceOther: "其他"}

// SourceLabel returns the Chinese name of a source code (the code itself when unknown).
func SourceLabel(code string) string {
	if l, ok := sourceLabels[code]; ok {
		return l
	}
	return code
}

// ParseSource reads a source cell: the code or the Chinese name (抽样调查, 1%人口抽样调查 …).
func ParseSource(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if _, ok := sourceLabels[s]; ok {
		return s, true
	}
	switch {
	case s == "":
		return "", false
	case strings.Contains(s, "普查"):
		return SourceCensus, true
	case strings.Contains(s, "抽样"):
		return SourceSample, true
	case strings.Contains(s, "流动人口"):
		return SourceMigrant, true
	case s == "其他" || s == "其它":
		return SourceOther, true
	}
	return "", false
}

// AgeGroups are the age groups of the workbook, the five-year groups of the census tables cut at
// 16 (0–4, 5–9, 10–14, 15 岁).
var AgeGroups = []string{"0-4岁", "5-9岁", "10-14岁", "15岁"}

// Figure is the child population of one division for one reference year from one source. A nil
// part was not published.
type Figure struct {
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name,omitempty"`
	Year       int    `json:"year"`
	Source     string `json:"source"`
	// Total is the number of children under 16 (不满16周岁儿童).
	Total      int64  `json:"total"`
	Migrant    *int64 `json:"migrant"`     // 流动儿童
	LeftBehind *int64 `json:"left_behind"` // 留守儿童
	Male       *int64 `json:"male"`
	Female     *int64 `json:"female"`
	// Ages are the children by AgeGroups; nil entries unpublished.
	Ages []*int64 `json:"ages"`
	Note string   `json:"note,omitempty"`
}

// Key identifies a figure: one division, year and source.
func (f *Figure) Key() string { return f.RegionCode + "|" + strconv.Itoa(f.Year) + "|" + f.Source }

// Equal reports whether two figures hold the same numbers and note.
func (f *Figure) Equal(g *Figure) bool {
	eq := func(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	if f.Key() != g.Key() || f.Total != g.Total || f.Note != g.Note || !eq(f.Migrant, g.Migrant) || !eq(f.LeftBehind, g.LeftBehind) ||
		!eq(f.Male, g.Male) || !eq(f.Female, g.Female) || len(f.Ages) != len(g.Ages) {
		return false
	}
	for i := range f.Ages {
		if !eq(f.Ages[i], g.Ages[i]) {
			return false
		}
	}
	return true
}

// Problem is a row's error: the spreadsheet row, the column (Chinese header) and the message.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// The column labels of the workbook.
const (
	colCode       = "区划代码"
	colName       = "区划名称"
	colYear       = "参考年份"
	colSource     = "数据来源"
	colTotal      = "不满16周岁儿童"
	colMigrant    = "流动儿童"
	colLeftBehind = "留守儿童"
	colMale       = "男"
	colFemale     = "女"
	colNote       = "说明"
)

// Header is the header row of the template, in order.
func Header() []string {
	h := []string{colCode, colName, colYear, colSource, colTotal, colMigrant, colLeftBehind, colMale, colFemale}
	h = append(h, AgeGroups...)
	return append(h, colNote)
}

// aliases maps header keys (sheet.HeaderKey) to labels.
var aliases = func() map[string]string {
	m := map[string]string{}
	add := func(label string, more ...string) {
		m[sheet.HeaderKey(label)] = label
		for _, a := range more {
			m[sheet.HeaderKey(a)] = label
		}
	}
	add(colCode, "行政区划代码", "统计用区划代码", "代码", "区划码")
	add(colName, "地区", "区划", "单位名称", "名称")
	add(colYear, "年份", "年度", "统计年度", "参考年度")
	add(colSource, "来源", "资料来源", "调查类型")
	add(colTotal, "儿童总数", "不满16岁儿童", "0-15岁", "0-15岁人口", "儿童人口", "合计", "总计")
	add(colMigrant, "流动儿童数")
	add(colLeftBehind, "留守儿童数")
	add(colMale, "男性", "男童")
	add(colFemale, "女性", "女童")
	add("0-4岁", "0-4", "0～4岁", "0~4岁")
	add("5-9岁", "5-9", "5～9岁", "5~9岁")
	add("10-14岁", "10-14", "10～14岁", "10~14岁")
	add("15岁", "15")
	add(colNote, "备注")
	return m
}()

// Options set how a workbook is read.
type Options struct {
	// Regions is the division table codes are checked against; nil means region.Default().
	Regions *region.Table
	// ThisYear is the latest reference year accepted.
	ThisYear int
	// Year and Source fill rows whose year or source cell is empty (a workbook of one survey).
	Year   int
	Source string
}

// Result is what Read makes of a workbook: the figures of the valid rows and the problems of the
// others (a row with a problem is not taken, the other rows are).
type Result struct {
	Rows    int      `json:"rows"`
	Figures []Figure `json:"-"`
	// Lines are the spreadsheet row numbers of Figures.
	Lines    []int     `json:"-"`
	Problems []Problem `json:"errors"`
}

// Read reads the figures of a workbook: the header is the first row naming 区划代码 and the
// children's total (title rows above it are skipped), columns in any order, aliases accepted.
func Read(t *sheet.Table, opt Options) (*Result, error) {
	if opt.Regions == nil {
		opt.Regions = region.Default()
	}
	res := &Result{Figures: []Figure{}, Problems: []Problem{}}
	var cols map[string]int
	seen := map[string]int{}
	for {
		num, cells, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if cols == nil {
			cols = header(cells)
			continue
		}
		if blank(cells) {
			continue
		}
		res.Rows++
		f, probs := readRow(num, cells, cols, &opt)
		if len(probs) == 0 {
			if first, dup := seen[f.Key()]; dup {
				probs = append(probs, Problem{Row: num, Column: colCode, Code: "duplicate",
					Message: fmt.Sprintf("与第 %d 行重复：同一区划、同一年份、同一来源只能有一行", first)})
			} else {
				seen[f.Key()] = num
			}
		}
		if len(probs) > 0 {
			res.Problems = append(res.Problems, probs...)
			continue
		}
		res.Figures = append(res.Figures, f)
		res.Lines = append(res.Lines, num)
	}
	if cols == nil {
		return nil, &Error{Message: "文件中没有找到表头：表头应含“" + colCode + "”和“" + colTotal + "”两列（可下载模板对照）"}
	}
	return res, nil
}

// Line returns the spreadsheet row of the i-th figure.
func (r *Result) Line(i int) int {
	if i < len(r.Lines) {
		return r.Lines[i]
	}
	return 0
}

// Error is a workbook that cannot be read as population figures.
type Error struct{ Message string }

func (e *Error) Error() string { return "population: " + e.Message }

// ErrorCode is the error's code for the API.
func (e *Error) ErrorCode() string { return "invalid" }

// ErrorMessage is the Chinese message.
func (e *Error) ErrorMessage() string { return e.Message }

// header returns the columns of a header row, nil when the row is not one.
func header(cells []sheet.Cell) map[string]int {
	cols := map[string]int{}
	for i, c := range cells {
		if label, ok := aliases[sheet.HeaderKey(c.Value())]; ok {
			if _, dup := cols[label]; !dup {
				cols[label] = i
			}
		}
	}
	_, code := cols[colCode]
	_, total := cols[colTotal]
	if !code || !total {
		return nil
	}
	return cols
}

func blank(cells []sheet.Cell) bool {
	for _, c := range cells {
		if strings.TrimSpace(c.Value()) != "" {
			return false
		}
	}
	return true
}

// readRow reads and checks one row.
func readRow(num int, cells []sheet.Cell, cols map[string]int, opt *Options) (Figure, []Problem) {
	var f Figure
	var probs []Problem
	bad := func(col, code, msg string) {
		probs = append(probs, Problem{Row: num, Column: col, Code: code, Message: msg})
	}
	get := func(label string) string {
		i, ok := cols[label]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i].Value())
	}
	count := func(label string, required bool) *int64 {
		s := strings.ReplaceAll(strings.ReplaceAll(get(label), ",", ""), "，", "")
		if s == "" || s == "-" || s == "—" || s == "…" {
			if required {
				bad(label, "required", "“"+label+"”不能为空")
			}
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if v, ferr := strconv.ParseFloat(s, 64); ferr == nil && v == float64(int64(v)) {
				n, err = int64(v), nil
			}
		}
		if err != nil || n < 0 || n > 100_000_000 {
			bad(label, "number", "“"+label+"”应为不小于 0 的整数人数，而不是“"+s+"”")
			return nil
		}
		return &n
	}
	code := get(colCode)
	switch nat, ok := region.Normalize(code); {
	case code == "":
		bad(colCode, "required", "区划代码不能为空")
	case !ok:
		bad(colCode, "region", "区划代码“"+code+"”格式不正确：应为 6 位（县级）、9 位（乡级）或 12 位（村级）统计用区划代码")
	default:
		d, found := opt.Regions.Lookup(nat)
		if !found {
			bad(colCode, "region", "区划代码“"+code+"”不在全国行政区划代码表中")
		} else {
			f.RegionCode, f.RegionName = d.Code, d.Name
		}
	}
	ys := get(colYear)
	switch {
	case ys == "" && opt.Year != 0:
		f.Year = opt.Year
	case ys == "":
		bad(colYear, "required", "参考年份不能为空（如 2020）")
	default:
		y, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(ys, "年"), "年度"))
		if err != nil || y < 1949 || (opt.ThisYear > 0 && y > opt.ThisYear) {
			bad(colYear, "year", "参考年份“"+ys+"”不正确：应为 1949 年至今的四位年份")
		} else {
			f.Year = y
		}
	}
	ss := get(colSource)
	switch src, ok := ParseSource(ss); {
	case ss == "" && opt.Source != "":
		f.Source = opt.Source
	case ss == "":
		bad(colSource, "required", "数据来源不能为空：人口普查、人口抽样调查、流动人口统计或其他")
	case !ok:
		bad(colSource, "source", "数据来源“"+ss+"”无法识别：应为人口普查、人口抽样调查、流动人口统计或其他")
	default:
		f.Source = src
	}
	if t := count(colTotal, true); t != nil {
		f.Total = *t
	}
	f.Migrant = count(colMigrant, false)
	f.LeftBehind = count(colLeftBehind, false)
	f.Male = count(colMale, false)
	f.Female = count(colFemale, false)
	f.Ages = make([]*int64, len(AgeGroups))
	for i, g := range AgeGroups {
		f.Ages[i] = count(g, false)
	}
	f.Note = get(colNote)
	if len([]rune(f.Note)) > 200 {
		bad(colNote, "too_long", "说明最多 200 个字")
	}
	if len(probs) > 0 {
		return f, probs
	}
	// A division's parts may not exceed its total.
	over := func(col string, v int64, what string) {
		bad(col, "exceeds_total", fmt.Sprintf("%s（%d）超过不满16周岁儿童总数（%d）", what, v, f.Total))
	}
	if f.Migrant != nil && *f.Migrant > f.Total {
		over(colMigrant, *f.Migrant, "流动儿童")
	}
	if f.LeftBehind != nil && *f.LeftBehind > f.Total {
		over(colLeftBehind, *f.LeftBehind, "留守儿童")
	}
	var sex int64
	for _, v := range []*int64{f.Male, f.Female} {
		if v != nil {
			sex += *v
		}
	}
	if sex > f.Total {
		over(colMale, sex, "男、女之和")
	}
	var ages int64
	for _, v := range f.Ages {
		if v != nil {
			ages += *v
		}
	}
	if ages > f.Total {
		over(AgeGroups[0], ages, "各年龄组之和")
	}
	return f, probs
}

// CheckParts checks the figures of one year and source across levels: the figures of the
// divisions directly under a division may not add up to more than its own. It returns a
// problem per division whose children exceed it (rows by the index in figs, +offset).
func CheckParts(figs []Figure, rowOf func(i int) int) []Problem {
	idx := map[string]int{}
	for i := range figs {
		idx[figs[i].Key()] = i
	}
	sums := map[string]int64{}
	for i := range figs {
		f := &figs[i]
		parent := parentCode(f.RegionCode)
		if parent == "" {
			continue
		}
		sums[parent+"|"+strconv.Itoa(f.Year)+"|"+f.Source] += f.Total
	}
	var out []Problem
	for k, s := range sums {
		i, ok := idx[k]
		if !ok || s <= figs[i].Total {
			continue
		}
		out = append(out, Problem{Row: rowOf(i), Column: colTotal, Code: "parts_exceed_total",
			Message: fmt.Sprintf("下级区划的不满16周岁儿童之和（%d）超过本区划的总数（%d）", s, figs[i].Total)})
	}
	return out
}

// parentCode is the code of the division one level up, "" above counties.
func parentCode(code string) string {
	switch len(code) {
	case 12:
		return code[:9]
	case 9:
		return code[:6]
	}
	return ""
}

// Template writes the workbook to fill in: the header and one row per division given (code and
// name filled, the year and source when given), for the statistician to add the numbers.
func Template(w io.Writer, divisions []region.Division, year int, source string, format sheet.Format) error {
	rows := func(yield func([]string) bool) {
		for _, d := range divisions {
			r := make([]string, len(Header()))
			r[0], r[1] = d.Code, d.Name
			if year > 0 {
				r[2] = strconv.Itoa(year)
			}
			if source != "" {
				r[3] = SourceLabel(source)
			}
			if !yield(r) {
				return
			}
		}
	}
	widths := []float64{16, 22, 10, 14, 16, 10, 10, 8, 8, 8, 8, 9, 8, 24}
	return sheet.WriteTable(w, Header(), iter.Seq[[]string](rows), widths, sheet.WriteOptions{Format: format, SheetName: "儿童人口",
		Title: "不满16周岁儿童人口（分区划）：人数为统计部门公布的数；流动儿童、留守儿童、性别、年龄组未公布的留空"})
}

// Write writes figures in the layout of the template (an export of what was imported, or a
// generated file for tests), so that it reads back to the same figures.
func Write(w io.Writer, figs []Figure, format sheet.Format) error {
	num := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	rows := func(yield func([]string) bool) {
		for i := range figs {
			f := &figs[i]
			r := []string{f.RegionCode, f.RegionName, strconv.Itoa(f.Year), SourceLabel(f.Source), strconv.FormatInt(f.Total, 10),
				num(f.Migrant), num(f.LeftBehind), num(f.Male), num(f.Female)}
			for j := range AgeGroups {
				var v *int64
				if j < len(f.Ages) {
					v = f.Ages[j]
				}
				r = append(r, num(v))
			}
			if !yield(append(r, f.Note)) {
				return
			}
		}
	}
	return sheet.WriteTable(w, Header(), iter.Seq[[]string](rows), nil, sheet.WriteOptions{Format: format, SheetName: "儿童人口"})
}

// Divisions lists the divisions of level under base (base itself when it is of that level), in
// code order: the rows a template is prefilled with.
func Divisions(tbl *region.Table, base string, level region.Level) []region.Division {
	if d, ok := tbl.Lookup(base); ok && d.Level == level {
		return []region.Division{d}
	}
	var out []region.Division
	var walk func(code string)
	walk = func(code string) {
		for _, d := range tbl.Children(code) {
			switch {
			case d.Level == level:
				out = append(out, d)
			case d.Level < level:
				walk(d.Code)
			}
		}
	}
	walk(base)
	return out
}
