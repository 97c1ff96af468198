package stats

import (
	"fmt"
	"sync"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
)

// Counts are the four headline counts of a region.
type Counts struct {
	MigrantMonitoring int64 `json:"migrant_monitoring"`
	MigrantStatistics int64 `json:"migrant_statistics"`
	LeftBehind        int64 `json:"left_behind"`
	KeyCare           int64 `json:"key_care"`
}

// Totals are the counts of the whole region. Records is the number of non-archived records with
// either address in the region (every record for the whole database); MigrantStatistics includes
// the monitoring scope; a child both migrant and left-behind counts in both.
type Totals struct {
	Records int64 `json:"records"`
	Counts
}

// RegionRow is one division of by_region.
type RegionRow struct {
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name"`
	Counts
}

// ConfigInfo records the rules' settings a report was computed with.
type ConfigInfo struct {
	AgeLimit         int        `json:"age_limit"`
	MigrantMonths    int        `json:"migrant_months"`
	LeftBehindMonths int        `json:"left_behind_months"`
	CentralUrban     [][]string `json:"central_urban"`
}

// Report is the statistical analysis of a region as of a date: the headline counts, the counts by
// division one level below the region, and the standard tables. Counts are unsuppressed (for
// internal use); SuppressReport makes the published form.
type Report struct {
	AsOf string `json:"as_of"`
	// Region is the division counted, printed as DisplayCode prints it (150300 for 乌海市). For
	// the whole database it is the deepest division holding every place counted.
	Region     string `json:"region"`
	RegionName string `json:"region_name"`
	// WholeDatabase is true when no region was asked for.
	WholeDatabase bool       `json:"whole_database"`
	RulesVersion  string     `json:"rules_version"`
	Config        ConfigInfo `json:"config"`

	Totals *Totals `json:"totals,omitempty"`
	// Undetermined counts the children whose answer is 待确定 (facts missing), placed where they
	// would count: the follow-up list of data collection, not part of the totals.
	Undetermined *Counts `json:"undetermined,omitempty"`

	// ByRegionLevel names the level of by_region (province, prefecture, county, township, village).
	ByRegionLevel string      `json:"by_region_level"`
	ByRegion      []RegionRow `json:"by_region,omitzero"`
	// ByRegionUnplaced counts the children of the region whose place is known only above the
	// level of by_region (or by a code missing from the division table): by_region plus these
	// equal the totals.
	ByRegionUnplaced *Counts `json:"by_region_unplaced,omitempty"`

	Tables     map[string]*Table `json:"tables"`
	TableOrder []string          `json:"table_order"`

	// SkippedArchived counts archived records the source yielded anyway (not counted).
	SkippedArchived int64 `json:"skipped_archived,omitempty"`
	// Published is true for a report made by SuppressReport: tables suppressed, internal counts
	// (totals, by_region) left out.
	Published bool `json:"published,omitempty"`

	// hidden are counts never published that SuppressReport audits against: children by the
	// common refinement of the published age groupings, of which age5, age3 and the 0–6
	// population are sums.
	hidden []*Table
}

// hiddenAgeSpec is the hidden table by the finest age groups the published tables can be
// differenced into: 0–2, 3–5 (both groupings), 6 (0–6 against 3–5), 7–11, 12–13 (6–13 against
// 6–11), 14 (14–15 against 15), 15.
var hiddenAgeSpec = tableSpec{key: "_age_fine", title: "流动儿童和留守儿童数（分细年龄组，不公布）", pop: PopChildren, rows: "age_fine", cols: "type"}

// Table returns the table with the given key, or nil.
func (r *Report) Table(key string) *Table { return r.Tables[key] }

// levelName is the English name of a level in by_region_level.
func levelName(l region.Level) string {
	switch l {
	case region.Province:
		return "province"
	case region.Prefecture:
		return "prefecture"
	case region.County:
		return "county"
	case region.Township:
		return "township"
	}
	return "village"
}

// tableSpec describes one standard table.
type tableSpec struct {
	key, title string
	pop        string
	rows, cols string
	rowLevel   region.Level // for a region row dimension with a fixed level
	unit, note string
	population string // replaces the population's own description
	special    string // "division", "parent_work": not a two-dimension accumulator
}

// fineAgeBounds are the lower bounds of the hidden age groups.
var fineAgeBounds = []int{0, 3, 6, 7, 12, 14, 15}

// Table keys of the standard tables, in the order of the report.
var standardSpecs = []tableSpec{
	{key: "type", title: "流动儿童和留守儿童数（分类别）", pop: PopChildren, rows: "type", cols: "count",
		note: "流动儿童统计分析范围包含监测摸排范围；同时属于流动儿童和留守儿童的儿童在两类中各计一次，合计（去重）只计一次。"},
	{key: "division", title: "流动儿童和留守儿童数（分地区）", pop: PopChildren, special: "division",
		population: "流动儿童按现居住地、留守儿童按户籍地统计",
		note:       "各列人群与统计地点不同，行间无合计；既是流动儿童又是留守儿童的儿童在居住地计入流动儿童、在户籍地计入留守儿童。“地区不详”为地址只填写到上级区划的儿童。"},
	{key: "sex", title: "流动儿童和留守儿童数（分性别）", pop: PopChildren, rows: "sex", cols: "type", note: typeNote},
	{key: "age5", title: "流动儿童和留守儿童年龄结构（0–2、3–5、6–11、12–14、15岁）", pop: PopChildren, rows: "age5", cols: "type",
		note: "年龄为统计时点的周岁年龄（实足年龄）。" + typeNote},
	{key: "age3", title: "流动儿童和留守儿童年龄结构（0–5、6–13、14–15岁）", pop: PopChildren, rows: "age3", cols: "type",
		note: "年龄为统计时点的周岁年龄（实足年龄）。" + typeNote},
	{key: "ethnicity", title: "流动儿童和留守儿童数（分民族）", pop: PopChildren, rows: "ethnicity", cols: "type",
		note: "列出汉族、蒙古族及有儿童的其他民族。" + typeNote},
	{key: "origin_province", title: "流动儿童户籍地分布（省份）", pop: PopMigrant, rows: "hukou", rowLevel: region.Province, cols: "migrant_scope",
		note: "按流动儿童户籍地址所在省份统计；流动儿童按现居住地计入本地区。"},
	{key: "parent_work_province", title: "留守儿童父母外出务工地分布（省份）", pop: PopLeftBehind, special: "parent_work", unit: "人次",
		population: "留守儿童（按户籍地统计）的外出务工父母",
		note:       "以外出务工的父母为单位计数（人次）：父母双方均外出务工的儿童计两次。仅计入登记了务工详细信息且符合外出务工条件（跨县域、连续务工达到规定月数）的父母；仅凭登记表汇总项认定的留守儿童未计入。"},
	{key: "school_stage", title: "流动儿童和留守儿童就学情况", pop: PopChildren, rows: "school_stage", cols: "type", note: typeNote},
	{key: "study_status", title: "流动儿童和留守儿童学业状况", pop: PopChildren, rows: "study_status", cols: "type", note: typeNote},
	{key: "schooling", title: "流动儿童和留守儿童辍学、失学和未在读情况", pop: PopChildren, rows: "schooling", cols: "type",
		note: "辍学或失学：学业状况为辍学或就学情况为失学；年龄为统计时点的周岁年龄。" + typeNote},
	{key: "residence_registration", title: "流动儿童居住登记（办理居住证）情况", pop: PopMigrant, rows: "residence_registration", cols: "migrant_scope"},
	{key: "health_mgmt_0_6", title: "0–6岁流动儿童和留守儿童健康管理服务情况", pop: PopAge06, rows: "health_mgmt_0_6", cols: "type",
		note: "覆盖率 = 在户籍地、在居住地及已接受服务的人数之和 ÷ 合计。" + typeNote},
	{key: "tcm_0_36m", title: "0–36个月流动儿童和留守儿童中医药健康管理服务情况", pop: PopAge036m, rows: "tcm_0_36m", cols: "type",
		note: "覆盖率 = 在户籍地、在居住地及已接受服务的人数之和 ÷ 合计。" + typeNote},
	{key: "medical_insurance", title: "流动儿童和留守儿童纳入医保情况", pop: PopChildren, rows: "medical_insurance", cols: "type", note: typeNote},
	{key: "disability", title: "残疾流动儿童和留守儿童（分残疾类别和等级）", pop: PopDisabled, rows: "disability_category", cols: "disability_grade",
		note: "有两类及以上残疾的儿童计入多重残疾，不再计入单项类别。"},
	{key: "guardianship_quality", title: "流动儿童和留守儿童监护情况", pop: PopChildren, rows: "guardianship_quality", cols: "type", note: typeNote},
	{key: "guardianship_issue", title: "流动儿童和留守儿童监护问题", pop: PopChildren, rows: "guardianship_issue", cols: "type", note: typeNote},
	{key: "family_hardship", title: "流动儿童和留守儿童家庭困难情况", pop: PopChildren, rows: "family_hardship", cols: "scope",
		note: "同一儿童可能同时属于多种困难类型，各行之和可能大于合计；合计为去重人数。"},
	{key: "assistance", title: "流动儿童和留守儿童生活保障情况", pop: PopChildren, rows: "assistance", cols: "scope",
		note: "同一儿童可能同时享受多项保障，各行之和可能大于合计；合计为去重人数。"},
	{key: "key_care_reason", title: "重点关爱服务对象（分原因、分地区）", pop: PopKeyCare, rows: "key_care_reason", cols: "region",
		note: "同一儿童可能有多项原因，各行之和可能大于合计；合计为去重人数。流动儿童在现居住地、其余儿童在户籍地计入。"},
}

// typeNote explains the type columns.
const typeNote = "各类别之间有重叠：既是流动儿童又是留守儿童的儿童同时计入流动儿童和留守儿童两列，合计（去重）只计一次，即 合计 = 流动儿童（监测摸排范围）+ 流动儿童（仅统计分析范围）+ 留守儿童 − 既是流动儿童又是留守儿童。"

// StandardTableKeys lists the keys of the standard tables in report order.
func StandardTableKeys() []string {
	out := make([]string, len(standardSpecs))
	for i := range standardSpecs {
		out[i] = standardSpecs[i].key
	}
	return out
}

// countDim is the single measure 人数 of a one-column table.
func countDim() *dim {
	return &dim{key: "count", title: "人数", kind: Measures, cats: []Category{{Code: "count", Label: "人数"}},
		fn: func(_ *recCtx, out []int) []int { return append(out, 0) }}
}

// dimFor builds the dimension of a spec axis.
func dimFor(key, pop string, level region.Level) *dim {
	if key == "count" {
		return countDim()
	}
	return newDim(key, pop, level)
}

// engine counts every table of a computation; each worker has its own, merged at the end.
type engine struct {
	p        *plan
	ctx      recCtx
	accs     []*accum
	places   *measuresAcc // by_region and the division table
	parents  *parentWorkAcc
	totals   Totals
	undet    Counts
	archived int64
	// seen is the common prefix of the places of every record counted, determined or not: the
	// report's division when no determined child places one.
	seen commonPrefix
	// allRecords is set when a table counts records outside the migrant and left-behind children.
	allRecords bool
}

// newStandardEngine prepares the standard tables.
func newStandardEngine(p *plan) *engine {
	e := &engine{p: p}
	e.places = newMeasuresAcc(0, measureMM, measureMS, measureMSOnly, measureLB, measureKC)
	for i := range standardSpecs {
		s := &standardSpecs[i]
		switch s.special {
		case "division":
			continue
		case "parent_work":
			e.parents = newParentWorkAcc(p)
			continue
		}
		rows := dimFor(s.rows, s.pop, s.rowLevel)
		cols := dimFor(s.cols, s.pop, 0)
		e.accs = append(e.accs, newAccum(s, populations[s.pop].in, rows, cols))
	}
	// Last: the hidden table by single year, every year kept (a dropped year would read as an
	// unknown to the audit rather than a zero).
	ages := ageGroups("age_fine", "细年龄组", fineAgeBounds, 16)
	ages.dropZero = nil
	one := ages.one
	ages.fn = func(c *recCtx, out []int) []int { return append(out, one(c)) }
	e.accs = append(e.accs, newAccum(&hiddenAgeSpec, populations[PopChildren].in, ages, dimFor("type", PopChildren, 0)))
	return e
}

// add counts one record.
func (e *engine) add(r *child.Record, status string) {
	if r == nil {
		return
	}
	if status == "archived" {
		e.archived++
		return
	}
	c := &e.ctx
	if !c.fill(r, status, e.p) {
		return
	}
	e.totals.Records++
	if c.resid != "" {
		e.seen.add(c.resid)
	} else {
		e.seen.add(c.hukou)
	}
	if c.mm {
		e.totals.MigrantMonitoring++
	}
	if c.ms {
		e.totals.MigrantStatistics++
	}
	if c.lb {
		e.totals.LeftBehind++
	}
	if c.kc {
		e.totals.KeyCare++
	}
	if c.umm {
		e.undet.MigrantMonitoring++
	}
	if c.ums {
		e.undet.MigrantStatistics++
	}
	if c.ulb {
		e.undet.LeftBehind++
	}
	if c.ukc {
		e.undet.KeyCare++
	}
	if !c.union && !c.kc && !e.allRecords {
		return
	}
	for _, a := range e.accs {
		a.add(c)
	}
	if e.places != nil {
		e.places.add(c)
	}
	if e.parents != nil {
		e.parents.add(c)
	}
}

// merge adds the counts of another worker's engine.
func (e *engine) merge(o *engine) {
	for i, a := range e.accs {
		a.merge(o.accs[i])
	}
	if e.places != nil {
		e.places.merge(o.places)
	}
	if e.parents != nil {
		e.parents.merge(o.parents)
	}
	e.totals.Records += o.totals.Records
	if o.seen.any {
		e.seen.add(o.seen.prefix)
	}
	e.totals.Counts = addCounts(e.totals.Counts, o.totals.Counts)
	e.undet = addCounts(e.undet, o.undet)
	e.archived += o.archived
}

func addCounts(a, b Counts) Counts {
	return Counts{a.MigrantMonitoring + b.MigrantMonitoring, a.MigrantStatistics + b.MigrantStatistics,
		a.LeftBehind + b.LeftBehind, a.KeyCare + b.KeyCare}
}

// batchSize is the number of records handed to a worker at once.
const batchSize = 512

type item struct {
	r      *child.Record
	status string
}

// run feeds the source to engines made by mk, on p.workers goroutines, and returns the merged
// engine.
func run(src Source, p *plan, mk func() *engine) (*engine, error) {
	if src == nil {
		return nil, queryErr("没有记录来源")
	}
	if p.workers <= 1 {
		e := mk()
		err := src(func(r *child.Record, status string) bool {
			e.add(r, status)
			return true
		})
		return e, err
	}
	full := make(chan []item, p.workers*2)
	free := make(chan []item, p.workers*4)
	engines := make([]*engine, p.workers)
	var wg sync.WaitGroup
	for w := range engines {
		e := mk()
		engines[w] = e
		wg.Go(func() {
			for b := range full {
				for i := range b {
					e.add(b[i].r, b[i].status)
				}
				select {
				case free <- b[:0]:
				default:
				}
			}
		})
	}
	batch := make([]item, 0, batchSize)
	err := src(func(r *child.Record, status string) bool {
		batch = append(batch, item{r, status})
		if len(batch) == batchSize {
			full <- batch
			select {
			case batch = <-free:
			default:
				batch = make([]item, 0, batchSize)
			}
		}
		return true
	})
	if len(batch) > 0 {
		full <- batch
	}
	close(full)
	wg.Wait()
	for _, o := range engines[1:] {
		engines[0].merge(o)
	}
	return engines[0], err
}

// Compute counts the records of src as of q.AsOf for q.Region into a report with every standard
// table, in one pass.
func Compute(src Source, q Query) (*Report, error) {
	p, err := newPlan(q)
	if err != nil {
		return nil, fmt.Errorf("stats: %w", err)
	}
	e, err := run(src, p, func() *engine { return newStandardEngine(p) })
	if err != nil {
		return nil, fmt.Errorf("stats: read records: %w", err)
	}
	return e.report(), nil
}

// base returns the division the report is about: the query region, or for the whole database the
// deepest division holding every place counted.
func (e *engine) base() string {
	if e.p.region != "" {
		return e.p.region
	}
	var codes []string
	for i, code := range e.places.rows.list {
		if e.places.rowCount(i) > 0 {
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 && e.seen.any {
		// Every child counted is undetermined: the division is where the records are.
		codes = append(codes, e.seen.prefix)
	}
	return e.p.commonDivision(codes)
}

// commonPrefix keeps the longest prefix common to the codes added ("" ones skipped).
type commonPrefix struct {
	prefix string
	any    bool
}

func (c *commonPrefix) add(code string) {
	switch {
	case code == "":
	case !c.any:
		c.prefix, c.any = code, true
	default:
		k := 0
		for k < len(c.prefix) && k < len(code) && c.prefix[k] == code[k] {
			k++
		}
		c.prefix = c.prefix[:k]
	}
}

// report finishes the counts into a Report.
func (e *engine) report() *Report {
	p := e.p
	base := e.base()
	tot, und := e.totals, e.undet
	rep := &Report{AsOf: p.asOf.String(), Region: DisplayCode(base), WholeDatabase: p.region == "",
		RulesVersion: rules.Version,
		Config: ConfigInfo{AgeLimit: p.cfg.AgeLimit, MigrantMonths: p.cfg.MigrantMonths,
			LeftBehindMonths: p.cfg.LeftBehindMonths, CentralUrban: p.cfg.CentralUrban},
		Totals: &tot, Undetermined: &und, ByRegion: []RegionRow{},
		Tables: map[string]*Table{}, SkippedArchived: e.archived}
	if rep.Config.CentralUrban == nil {
		rep.Config.CentralUrban = [][]string{}
	}
	rep.RegionName = "全部地区"
	if base != "" {
		if d, ok := p.tbl.Lookup(base); ok {
			rep.RegionName = d.Name
		}
	}
	rep.ByRegionLevel = levelName(childLevel(base))

	spec := &tableSpec{key: "by_region", pop: PopChildren}
	br := e.places.finish(p, spec, base, 0, 1, 3, 4)
	unplaced := Counts{}
	for i, c := range br.Rows.Categories {
		cs := Counts{br.Cells[i][0], br.Cells[i][1], br.Cells[i][2], br.Cells[i][3]}
		if c.Code == Unknown {
			unplaced = cs
			continue
		}
		rep.ByRegion = append(rep.ByRegion, RegionRow{RegionCode: c.Code, RegionName: c.Label, Counts: cs})
	}
	rep.ByRegionUnplaced = &unplaced

	ai := 0
	for i := range standardSpecs {
		s := &standardSpecs[i]
		var t *Table
		switch s.special {
		case "division":
			t = e.places.finish(p, s, base, 0, 2, 3)
		case "parent_work":
			t = e.parents.finish(s)
		default:
			t = e.accs[ai].finish(p, base)
			ai++
		}
		rep.Tables[s.key] = t
		rep.TableOrder = append(rep.TableOrder, s.key)
	}
	rep.hidden = []*Table{e.accs[ai].finish(p, base)}
	return rep
}
