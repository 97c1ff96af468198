package stats

import (
	"sort"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
)

// Population keys: whom a table counts. Each population places its units in the region by its
// own address (see docs/statistics.md).
const (
	// PopChildren 流动儿童和留守儿童: migrant children (statistics scope, which includes the
	// monitoring scope) of the region by residence, and left-behind children of the region by
	// hukou; a child both counts once.
	PopChildren = "children"
	// PopMigrant 流动儿童（统计分析范围）, by residence.
	PopMigrant = "migrant"
	// PopMigrantMonitoring 流动儿童（监测摸排范围）, by residence.
	PopMigrantMonitoring = "migrant_monitoring"
	// PopLeftBehind 留守儿童, by hukou.
	PopLeftBehind = "left_behind"
	// PopKeyCare 重点关爱服务对象, by residence when migrant, else by hukou.
	PopKeyCare = "key_care"
	// PopRecords 登记儿童: every non-archived record with either address in the region.
	PopRecords = "records"
	// PopDisabled 残疾儿童 among PopChildren.
	PopDisabled = "disabled"
	// PopAge06 0–6岁儿童 among PopChildren.
	PopAge06 = "age_0_6"
	// PopAge036m 0–36个月儿童 among PopChildren.
	PopAge036m = "age_0_36m"
)

// population is a population's membership test, its place and its Chinese description.
type population struct {
	label string
	in    func(c *recCtx) bool
	place func(c *recCtx) string
}

var populations = map[string]population{
	PopChildren: {"流动儿童（统计分析范围，按现居住地统计）和留守儿童（按户籍地统计），同时属于两类的儿童计一次",
		func(c *recCtx) bool { return c.union }, func(c *recCtx) string { return c.unionPlace }},
	PopMigrant: {"流动儿童（统计分析范围，含监测摸排范围），按现居住地统计",
		func(c *recCtx) bool { return c.ms }, func(c *recCtx) string { return c.resid }},
	PopMigrantMonitoring: {"流动儿童（监测摸排范围），按现居住地统计",
		func(c *recCtx) bool { return c.mm }, func(c *recCtx) string { return c.resid }},
	PopLeftBehind: {"留守儿童，按户籍地统计",
		func(c *recCtx) bool { return c.lb }, func(c *recCtx) string { return c.hukou }},
	PopKeyCare: {"重点关爱服务对象：流动儿童按现居住地、其余（留守儿童）按户籍地统计",
		func(c *recCtx) bool { return c.kc }, func(c *recCtx) string { return c.kcPlace }},
	PopRecords: {"全部在册（未归档）儿童登记记录，现居住地或户籍地在本地区的",
		func(c *recCtx) bool { return c.inRecords }, recordPlace},
	PopDisabled: {"残疾的流动儿童和留守儿童（残疾类别不为空，或健康状况为残疾）",
		func(c *recCtx) bool { return c.union && c.disabled }, func(c *recCtx) string { return c.unionPlace }},
	PopAge06: {"0–6 岁（未满 7 周岁）的流动儿童和留守儿童",
		func(c *recCtx) bool { return c.union && c.age >= 0 && c.age <= 6 }, func(c *recCtx) string { return c.unionPlace }},
	PopAge036m: {"0–36 个月的流动儿童和留守儿童",
		func(c *recCtx) bool { return c.union && c.in036 }, func(c *recCtx) string { return c.unionPlace }},
}

// recordPlace places a record by its residence when that lies in the region, else by its hukou
// (the record then belongs to the region through its hukou).
func recordPlace(c *recCtx) string {
	if c.resid != "" && c.inRes || c.hukou == "" {
		return c.resid
	}
	return c.hukou
}

// PopulationKeys lists the population keys in a stable order.
func PopulationKeys() []string {
	keys := make([]string, 0, len(populations))
	for k := range populations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// PopulationLabel returns the Chinese description of a population key.
func PopulationLabel(key string) string { return populations[key].label }

// Unknown is the category code of 不详 (not recorded, or a code outside the table).
const Unknown = "unknown"

// Type category codes, in column order.
const (
	// TypeMigrantMonitoring 流动儿童（监测摸排范围）, counted by residence.
	TypeMigrantMonitoring = "migrant_monitoring"
	// TypeMigrantStatisticsOnly 流动儿童（仅统计分析范围）: in the statistics scope, not in the
	// monitoring scope (a move between townships of one county, or between central urban
	// districts), counted by residence.
	TypeMigrantStatisticsOnly = "migrant_statistics_only"
	// TypeLeftBehind 留守儿童, counted by hukou.
	TypeLeftBehind = "left_behind"
	// TypeMigrantAndLeftBehind 既是流动儿童又是留守儿童: migrant (statistics scope) with the
	// residence in the region and left-behind with the hukou in the region.
	TypeMigrantAndLeftBehind = "migrant_and_left_behind"
)

// dim is a registered dimension. Static dimensions have fixed categories and a function that
// appends the category indexes of a record (exactly one for a partition). Region dimensions have
// a place function instead; their categories are the division codes met, rolled up to a level
// when the table is finished.
type dim struct {
	key, title string
	kind       AxisKind
	cats       []Category
	dropZero   []bool // per category: left out of a table when it counts nobody
	// one gives the category of a partition dimension; fn appends the categories of a set or
	// type dimension (and, derived from one, of a partition).
	one func(c *recCtx) int
	fn  func(c *recCtx, out []int) []int

	place func(c *recCtx) string // region dimensions
	level region.Level           // 0: one level below the query region
	// preseed lists every division of the level under the query region, so that divisions with
	// nobody get a row (the population's own place only).
	preseed bool
}

func (d *dim) isRegion() bool { return d.place != nil }

// DimensionInfo describes a registered dimension for callers (API, UI).
type DimensionInfo struct {
	Key   string   `json:"key"`
	Title string   `json:"title"`
	Kind  AxisKind `json:"kind"`
	// Region dimensions take a level (省级 … 村级).
	Region bool `json:"region"`
}

// Dimensions lists the dimensions CrossTab accepts, in a stable order.
func Dimensions() []DimensionInfo {
	out := make([]DimensionInfo, 0, len(dimOrder))
	for _, k := range dimOrder {
		d := newDim(k, PopChildren, 0)
		out = append(out, DimensionInfo{Key: k, Title: d.title, Kind: d.kind, Region: d.isRegion()})
	}
	return out
}

var dimOrder = []string{"region", "residence", "hukou", "type", "scope", "migrant_scope", "sex", "age", "age5", "age3",
	"ethnicity", "co_residents", "residence_registration", "housing", "school_stage", "study_status", "schooling",
	"health", "health_mgmt_0_6", "tcm_0_36m", "medical_insurance", "disability_category", "disability_grade", "rehabilitation",
	"guardianship_quality", "guardianship_issue", "family_hardship", "assistance", "key_care_reason",
	"collection_method", "status"}

// newDim builds the dimension key for a population (region dimensions place units by it) and a
// level (region dimensions only); nil when the key is unknown.
func newDim(key, pop string, level region.Level) *dim {
	switch key {
	case "region":
		return &dim{key: key, title: "地区", kind: Partition, place: populations[pop].place, level: level, preseed: true}
	case "residence":
		return &dim{key: key, title: "现居住地", kind: Partition, place: func(c *recCtx) string { return c.resid }, level: level}
	case "hukou":
		return &dim{key: key, title: "户籍地", kind: Partition, place: func(c *recCtx) string { return c.hukou }, level: level}
	}
	if mk, ok := staticDims[key]; ok {
		d := mk()
		if d.one != nil && d.fn == nil {
			one := d.one
			d.fn = func(c *recCtx, out []int) []int { return append(out, one(c)) }
		}
		return d
	}
	return nil
}

// staticDims builds the dimensions with fixed categories.
var staticDims = map[string]func() *dim{
	"type": func() *dim {
		return &dim{key: "type", title: "类别", kind: Types, cats: []Category{
			{Code: TypeMigrantMonitoring, Label: "流动儿童（监测摸排范围）"},
			{Code: TypeMigrantStatisticsOnly, Label: "流动儿童（仅统计分析范围）"},
			{Code: TypeLeftBehind, Label: "留守儿童"},
			{Code: TypeMigrantAndLeftBehind, Label: "其中：既是流动儿童又是留守儿童"},
		}, fn: func(c *recCtx, out []int) []int { return append(out, c.typeCats...) }}
	},
	"scope": func() *dim {
		return withDrop(&dim{key: "scope", title: "类别（互斥）", kind: Partition, cats: []Category{
			{Code: "migrant_only", Label: "仅为流动儿童"},
			{Code: "left_behind_only", Label: "仅为留守儿童"},
			{Code: TypeMigrantAndLeftBehind, Label: "既是流动儿童又是留守儿童"},
			{Code: "neither", Label: "非流动儿童、非留守儿童"},
		}, one: func(c *recCtx) int {
			switch {
			case c.both:
				return 2
			case c.ms:
				return 0
			case c.lb:
				return 1
			}
			return 3
		}}, "neither")
	},
	"migrant_scope": func() *dim {
		return withDrop(&dim{key: "migrant_scope", title: "流动儿童范围", kind: Partition, cats: []Category{
			{Code: TypeMigrantMonitoring, Label: "监测摸排范围"},
			{Code: TypeMigrantStatisticsOnly, Label: "仅统计分析范围"},
			{Code: "not_migrant", Label: "非流动儿童"},
		}, one: func(c *recCtx) int {
			switch {
			case c.mm:
				return 0
			case c.ms:
				return 1
			}
			return 2
		}}, "not_migrant")
	},
	"sex": func() *dim {
		return withDrop(&dim{key: "sex", title: "性别", kind: Partition, cats: []Category{
			{Code: "1", Label: "男"}, {Code: "2", Label: "女"}, {Code: Unknown, Label: "未知或未说明"},
		}, one: func(c *recCtx) int {
			switch c.r.Sex {
			case "1":
				return 0
			case "2":
				return 1
			}
			return 2
		}}, Unknown)
	},
	"age": func() *dim {
		cats := make([]Category, 0, 18)
		for a := range 16 {
			cats = append(cats, Category{Code: itoa(a), Label: itoa(a) + "岁"})
		}
		cats = append(cats, Category{Code: "16+", Label: "16岁及以上"}, Category{Code: Unknown, Label: "年龄不详"})
		return withDrop(&dim{key: "age", title: "年龄（周岁）", kind: Partition, cats: cats,
			one: func(c *recCtx) int {
				switch {
				case c.age < 0:
					return 17
				case c.age >= 16:
					return 16
				}
				return c.age
			}}, "16+", Unknown)
	},
	"age5": func() *dim {
		return ageGroups("age5", "年龄组（0–2、3–5、6–11、12–14、15岁）", []int{0, 3, 6, 12, 15}, 16)
	},
	"age3": func() *dim {
		return ageGroups("age3", "年龄组（0–5、6–13、14–15岁）", []int{0, 6, 14}, 16)
	},
	"ethnicity": func() *dim {
		codes := child.Ethnicity.Codes()
		cats := make([]Category, 0, len(codes)+1)
		drop := make([]bool, 0, len(codes)+1)
		for _, c := range codes {
			cats = append(cats, Category{Code: c.Code, Label: c.Label})
			// 汉族 and 蒙古族 always have a row in Inner Mongolia; other groups when present.
			drop = append(drop, c.Code != "01" && c.Code != "02")
		}
		cats = append(cats, Category{Code: Unknown, Label: "民族不详"})
		drop = append(drop, true)
		n := len(codes)
		return &dim{key: "ethnicity", title: "民族", kind: Partition, cats: cats, dropZero: drop,
			one: func(c *recCtx) int { return ethnicIndex(c.r.Ethnicity, n) }}
	},
	"co_residents": func() *dim {
		return codeDim("co_residents", "共同居住人", child.CoResidents, func(r *child.Record) string { return r.CoResidents })
	},
	"residence_registration": func() *dim {
		return codeDim("residence_registration", "居住登记", child.ResidenceRegistration, func(r *child.Record) string { return r.ResidenceRegistration })
	},
	"housing": func() *dim {
		return codeDim("housing", "居住类型", child.Housing, func(r *child.Record) string { return r.Housing })
	},
	"school_stage": func() *dim {
		return codeDim("school_stage", "就学情况", child.SchoolStage, func(r *child.Record) string { return r.SchoolStage })
	},
	"study_status": func() *dim {
		return codeDim("study_status", "学业状况", child.StudyStatus, func(r *child.Record) string { return r.StudyStatus })
	},
	"schooling": func() *dim {
		return withDrop(&dim{key: "schooling", title: "辍学、失学和未在校情况", kind: Partition, cats: []Category{
			{Code: "dropout_6_13", Label: "6–13岁辍学或失学"},
			{Code: "dropout_14_15", Label: "14–15岁辍学或失学"},
			{Code: "not_in_school_14_15", Label: "14–15岁其他未在读（休学、毕业、结业、肄业、无就学能力）"},
			{Code: "other", Label: "其他（在读、学龄前等）"},
			{Code: Unknown, Label: "6岁及以上学业状况不详"},
		}, one: func(c *recCtx) int { return schoolingIndex(c) }}, Unknown)
	},
	"health": func() *dim {
		return setDim("health", "健康状况", child.Health, func(r *child.Record) []string { return r.Health }, false)
	},
	"health_mgmt_0_6": func() *dim {
		d := codeDim("health_mgmt_0_6", "0–6岁儿童健康管理服务", child.HealthService, func(r *child.Record) string { return r.HealthMgmt06 })
		return withDrop(d, "not_applicable")
	},
	"tcm_0_36m": func() *dim {
		d := codeDim("tcm_0_36m", "0–36个月儿童中医药健康管理服务", child.HealthService, func(r *child.Record) string { return r.TCMMgmt036m })
		return withDrop(d, "not_applicable")
	},
	"medical_insurance": func() *dim {
		return codeDim("medical_insurance", "纳入医保情况", child.MedicalInsurance, func(r *child.Record) string { return r.MedicalInsurance })
	},
	"disability_category": func() *dim {
		codes := child.DisabilityType.Codes()
		cats := make([]Category, 0, len(codes)+3)
		for _, c := range codes {
			cats = append(cats, Category{Code: c.Code, Label: c.Label})
		}
		n := len(codes)
		cats = append(cats, Category{Code: "multiple", Label: "多重残疾（两类及以上）"},
			Category{Code: Unknown, Label: "残疾类别不详"}, Category{Code: "none", Label: "无残疾"})
		return withDrop(&dim{key: "disability_category", title: "残疾类别", kind: Partition, cats: cats,
			one: func(c *recCtx) int {
				types := c.r.DisabilityTypes
				switch {
				case len(types) >= 2:
					// 多重残疾: two or more different types (a repeated code is one type).
					if len(child.DisabilityType.SortSet(types)) >= 2 {
						return n
					}
					return indexOf(child.DisabilityType, types[0], n+1)
				case len(types) == 1:
					return indexOf(child.DisabilityType, types[0], n+1)
				case hasCode(c.r.Health, "disabled"):
					return n + 1
				}
				return n + 2
			}}, Unknown, "none")
	},
	"disability_grade": func() *dim {
		codes := child.DisabilityGrade.Codes()
		cats := make([]Category, 0, len(codes)+2)
		for _, c := range codes {
			cats = append(cats, Category{Code: c.Code, Label: c.Label})
		}
		n := len(codes)
		cats = append(cats, Category{Code: Unknown, Label: "等级不详"}, Category{Code: "none", Label: "无残疾"})
		return withDrop(&dim{key: "disability_grade", title: "残疾等级", kind: Partition, cats: cats,
			one: func(c *recCtx) int {
				if len(c.r.DisabilityTypes) == 0 && !hasCode(c.r.Health, "disabled") {
					return n + 1
				}
				return indexOf(child.DisabilityGrade, c.r.DisabilityGrade, n)
			}}, Unknown, "none")
	},
	"rehabilitation": func() *dim {
		return withDrop(&dim{key: "rehabilitation", title: "接受康复救助情况", kind: Partition, cats: []Category{
			{Code: "received", Label: "已接受康复救助"}, {Code: "not_received", Label: "未接受康复救助"}, {Code: Unknown, Label: "不详"},
		}, one: func(c *recCtx) int {
			if rh := c.r.Rehabilitation; rh != nil && rh.Received != nil {
				if *rh.Received {
					return 0
				}
				return 1
			}
			return 2
		}}, Unknown)
	},
	"guardianship_quality": func() *dim {
		return codeDim("guardianship_quality", "监护情况", child.GuardianshipQuality, func(r *child.Record) string { return r.GuardianshipQuality })
	},
	"guardianship_issue": func() *dim {
		return codeDim("guardianship_issue", "监护问题", child.GuardianshipIssue, func(r *child.Record) string { return r.GuardianshipIssue })
	},
	"family_hardship": func() *dim {
		return setDim("family_hardship", "家庭困难情况", child.FamilyHardship, func(r *child.Record) []string { return r.FamilyHardship }, true)
	},
	"assistance": func() *dim {
		return setDim("assistance", "生活保障情况", child.Assistance, func(r *child.Record) []string { return r.Assistance }, true)
	},
	"key_care_reason": func() *dim {
		reasons := []string{rules.ReasonFamilyHardship, rules.ReasonDisability, rules.ReasonGuardianshipMissing,
			rules.ReasonVagrant, rules.ReasonPsychBehavioral, rules.ReasonHelpRequested}
		cats := make([]Category, 0, len(reasons)+1)
		for _, r := range reasons {
			cats = append(cats, Category{Code: r, Label: rules.ReasonLabel(r)})
		}
		n := len(reasons)
		cats = append(cats, Category{Code: "not_key_care", Label: "非重点关爱服务对象", Exclusive: true})
		return withDrop(&dim{key: "key_care_reason", title: "重点关爱原因", kind: Set, cats: cats,
			fn: func(c *recCtx, out []int) []int {
				if c.res.KeyCare != rules.Yes || len(c.res.KeyCareReasons) == 0 {
					return append(out, n)
				}
				start := len(out)
				for _, code := range c.res.KeyCareReasons {
					for i, r := range reasons {
						if r == code {
							out = appendOnce(out, start, i)
						}
					}
				}
				if len(out) == start {
					out = append(out, n)
				}
				return out
			}}, "not_key_care")
	},
	"collection_method": func() *dim {
		return codeDim("collection_method", "采集方式", child.CollectionMethod, func(r *child.Record) string { return r.CollectionMethod })
	},
	"status": func() *dim {
		d := codeDim("status", "记录状态", child.Status, nil)
		d.one = func(c *recCtx) int { return indexOf(child.Status, c.status, len(d.cats)-1) }
		return withDrop(d, "archived")
	},
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// withDrop marks categories to leave out of a table when nobody falls in them.
func withDrop(d *dim, codes ...string) *dim {
	if d.dropZero == nil {
		d.dropZero = make([]bool, len(d.cats))
	}
	for i, c := range d.cats {
		for _, code := range codes {
			if c.Code == code {
				d.dropZero[i] = true
			}
		}
	}
	return d
}

// ageGroups builds an age-group dimension from the lower bounds of its groups (upper: the age
// from which a person is no longer a child here, 16 by default; later ages go to 16岁及以上).
func ageGroups(key, title string, lower []int, limit int) *dim {
	cats := make([]Category, 0, len(lower)+2)
	var lookup [16]int
	for i, lo := range lower {
		hi := limit - 1
		if i+1 < len(lower) {
			hi = lower[i+1] - 1
		}
		code, label := itoa(lo)+"-"+itoa(hi), itoa(lo)+"–"+itoa(hi)+"岁"
		if lo == hi {
			code, label = itoa(lo), itoa(lo)+"岁"
		}
		cats = append(cats, Category{Code: code, Label: label})
		for a := lo; a <= hi && a < 16; a++ {
			lookup[a] = i
		}
	}
	n := len(lower)
	cats = append(cats, Category{Code: "16+", Label: "16岁及以上"}, Category{Code: Unknown, Label: "年龄不详"})
	return withDrop(&dim{key: key, title: title, kind: Partition, cats: cats, one: func(c *recCtx) int {
		switch {
		case c.age < 0:
			return n + 1
		case c.age >= 16:
			return n
		}
		return lookup[c.age]
	}}, "16+", Unknown)
}

// ethnicIndex maps a GB 3304 code to its position in child.Ethnicity (01…56, 97, 98), or to n
// (不详).
func ethnicIndex(code string, n int) int {
	if len(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return n
	}
	v := int(code[0]-'0')*10 + int(code[1]-'0')
	switch {
	case v >= 1 && v <= 56:
		return v - 1
	case v == 97:
		return 56
	case v == 98:
		return 57
	}
	return n
}

// codeDim builds a partition dimension over a code table, with 不详 for an empty or unknown code.
func codeDim(key, title string, table *child.CodeTable, get func(*child.Record) string) *dim {
	codes := table.Codes()
	cats := make([]Category, 0, len(codes)+1)
	for _, c := range codes {
		cats = append(cats, Category{Code: c.Code, Label: c.Label})
	}
	cats = append(cats, Category{Code: Unknown, Label: "不详"})
	n := len(codes)
	d := &dim{key: key, title: title, kind: Partition, cats: cats}
	if get != nil {
		codes := codeLists[table]
		d.one = func(c *recCtx) int {
			v := get(c.r)
			for i, code := range codes {
				if code == v {
					return i
				}
			}
			return n
		}
	}
	return withDrop(d, Unknown)
}

// setDim builds a set dimension over a code table: one category per code, 无 for an empty set
// (when the item has it) and 不详 for an item not filled in.
func setDim(key, title string, table *child.CodeTable, get func(*child.Record) []string, hasNone bool) *dim {
	codes := table.Codes()
	cats := make([]Category, 0, len(codes)+2)
	for _, c := range codes {
		cats = append(cats, Category{Code: c.Code, Label: c.Label})
	}
	n := len(codes)
	none, unknown := -1, n
	if hasNone {
		cats = append(cats, Category{Code: "none", Label: "无", Exclusive: true})
		none, unknown = n, n+1
	}
	cats = append(cats, Category{Code: Unknown, Label: "不详", Exclusive: true})
	return withDrop(&dim{key: key, title: title, kind: Set, cats: cats, fn: func(c *recCtx, out []int) []int {
		set := get(c.r)
		if set == nil || len(set) == 0 && none < 0 {
			return append(out, unknown)
		}
		start := len(out)
		for _, code := range set {
			if i := indexOf(table, code, -1); i >= 0 {
				out = appendOnce(out, start, i)
			}
		}
		if len(out) == start {
			if len(set) == 0 {
				return append(out, none)
			}
			return append(out, unknown) // only codes outside the table
		}
		return out
	}}, Unknown)
}

// appendOnce appends i to out unless out[start:] has it.
func appendOnce(out []int, start, i int) []int {
	for _, v := range out[start:] {
		if v == i {
			return out
		}
	}
	return append(out, i)
}

// indexOf returns the position of code in table, or def. Code tables have at most ten codes, so
// a scan is quicker than a map.
func indexOf(table *child.CodeTable, code string, def int) int {
	for i, c := range codeLists[table] {
		if c == code {
			return i
		}
	}
	return def
}

// codeLists holds the codes of each code table in order.
var codeLists = map[*child.CodeTable][]string{}

func init() {
	for _, t := range []*child.CodeTable{child.CoResidents, child.ResidenceRegistration, child.Housing, child.SchoolStage,
		child.StudyStatus, child.Health, child.HealthService, child.MedicalInsurance, child.DisabilityType,
		child.DisabilityGrade, child.GuardianshipQuality, child.GuardianshipIssue, child.FamilyHardship,
		child.Assistance, child.CollectionMethod, child.Status} {
		for _, c := range t.Codes() {
			codeLists[t] = append(codeLists[t], c.Code)
		}
	}
}

// schoolingIndex places a child in the 辍学、失学和未在校 dimension.
func schoolingIndex(c *recCtx) int {
	r := c.r
	out := r.StudyStatus == "dropped_out" || r.SchoolStage == "out_of_school"
	switch {
	case c.age >= 6 && c.age <= 13 && out:
		return 0
	case c.age >= 14 && c.age <= 15 && out:
		return 1
	case c.age >= 14 && c.age <= 15 && r.StudyStatus != "" && r.StudyStatus != "enrolled",
		c.age >= 14 && c.age <= 15 && r.SchoolStage == "unable":
		return 2
	case c.age >= 6 && r.StudyStatus == "":
		return 4
	}
	return 3
}
