package stats

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"guanai/internal/child"
	"guanai/internal/region"
	"guanai/internal/rules"
)

// Source yields the records to count, one call of yield per record, and returns the error that
// stopped it (nil at the end). status is the record's workflow status (DATA.md: draft, submitted,
// approved, uploaded, returned); archived records are not to be yielded, and are skipped if they
// are. When yield returns false the Source must stop and return nil.
//
// A yielded record, and everything it points to, must not change afterwards: Compute may hand the
// pointer to another goroutine and count it a little later (a Source scanning database rows
// allocates a new Record per row, which is all that takes). Compute keeps no record once it is
// counted, so a million records pass through in constant memory.
type Source func(yield func(r *child.Record, status string) bool) error

// Records returns a Source over records held in memory, all with status approved.
func Records(rs []child.Record) Source {
	return func(yield func(*child.Record, string) bool) error {
		for i := range rs {
			if !yield(&rs[i], "approved") {
				return nil
			}
		}
		return nil
	}
}

// Query says what to compute.
type Query struct {
	// AsOf is the reference date of the classification (统计时点); required.
	AsOf child.Date
	// Region is a division code (2, 4, 6, 9 or 12 digits, zero padding accepted: 150300 is
	// 乌海市); "" counts the whole database.
	Region string
	// Config holds the rules' settings; the zero Config means rules.DefaultConfig().
	Config rules.Config
	// Population selects whom CrossTab counts (see Populations; "" = children, the migrant and
	// left-behind children of the region). Compute ignores it: each standard table has its own.
	Population string
	// Workers is the number of goroutines that classify and count; 0 means GOMAXPROCS, 1 counts in
	// the goroutine that runs the Source.
	Workers int
}

// ErrQuery is what errors.Is finds in the error of a query that cannot be computed (an *Error).
var ErrQuery = errors.New("invalid statistics query")

// Error is a statistics query that cannot be computed: its Chinese message, and the code
// bad_request of the error interface every package's errors implement (web maps it to HTTP).
type Error struct {
	Message string
}

func (e *Error) Error() string { return "stats: " + e.Message }

// ErrorCode is "bad_request": the query asked for something that does not exist.
func (e *Error) ErrorCode() string { return "bad_request" }

// ErrorMessage is the message for the person who asked.
func (e *Error) ErrorMessage() string { return "统计查询无效：" + e.Message }

// Is makes errors.Is(err, ErrQuery) true.
func (e *Error) Is(target error) bool { return target == ErrQuery }

func queryErr(format string, args ...any) error { return &Error{Message: fmt.Sprintf(format, args...)} }

// plan is a validated query.
type plan struct {
	asOf    child.Date
	cfg     rules.Config
	region  string // natural code of the region, "" for all
	div     region.Division
	tbl     *region.Table
	pop     string
	workers int
}

// newPlan validates q.
func newPlan(q Query) (*plan, error) {
	p := &plan{asOf: q.AsOf, cfg: q.Config, tbl: region.Default(), pop: q.Population, workers: q.Workers}
	if q.AsOf == 0 || child.NewDate(q.AsOf.Year(), q.AsOf.Month(), q.AsOf.Day()) != q.AsOf {
		return nil, queryErr("统计日期 %d 不是有效的日期", int32(q.AsOf))
	}
	if isZeroConfig(&q.Config) {
		p.cfg = rules.DefaultConfig()
	}
	if err := p.cfg.Validate(); err != nil {
		return nil, queryErr("判定规则的配置无效：%v", err)
	}
	if code := strings.TrimSpace(q.Region); code != "" {
		d, ok := p.tbl.Lookup(code)
		if !ok {
			return nil, queryErr("“%s”不是全国行政区划代码表中的代码", q.Region)
		}
		p.region, p.div = d.Code, d
	}
	if p.pop == "" {
		p.pop = PopChildren
	}
	if _, ok := populations[p.pop]; !ok {
		return nil, queryErr("没有人群“%s”，可用：%s", q.Population, strings.Join(PopulationKeys(), "、"))
	}
	if p.workers <= 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	return p, nil
}

func isZeroConfig(c *rules.Config) bool {
	return c.AgeLimit == 0 && c.MigrantMonths == 0 && c.LeftBehindMonths == 0 && len(c.CentralUrban) == 0
}

// in reports whether a normalised division code lies in the query's region.
func (p *plan) in(code string) bool {
	return p.region == "" || code != "" && strings.HasPrefix(code, p.region)
}

// normCode returns the natural division code of an address ("" when unknown or not a code).
func normCode(code string) string {
	if code == "" || naturalCode(code) {
		return code
	}
	d, ok := region.Normalize(code)
	if !ok {
		return ""
	}
	return d
}

// naturalCode reports, quickly, whether code is already a natural division code: ASCII digits of
// length 2, 4, 6, 9 or 12 whose last segment is not zero padding. Stored codes are, so the full
// normalisation is rarely needed.
func naturalCode(code string) bool {
	var seg int // start of the last segment
	switch len(code) {
	case 2:
		seg = 0
	case 4:
		seg = 2
	case 6:
		seg = 4
	case 9:
		seg = 6
	case 12:
		seg = 9
	default:
		return false
	}
	nonZero := false
	for i := 0; i < len(code); i++ {
		ch := code[i]
		if ch < '0' || ch > '9' {
			return false
		}
		if i >= seg && ch != '0' {
			nonZero = true
		}
	}
	return nonZero
}

// DisplayCode returns a division code as reports print it: GB/T 2260 six digits for provinces,
// prefectures and counties (15 → 150000, 1503 → 150300), the natural code below (9 or 12 digits).
func DisplayCode(code string) string {
	if code != "" && len(code) < 6 {
		return code + "000000"[:6-len(code)]
	}
	return code
}

// recCtx is everything the tables read of one record: the record, its classification as of the
// query date, and where it counts. It is filled once per record and read by every table.
type recCtx struct {
	r      *child.Record
	res    rules.Result
	status string

	resid, hukou string // normalised division codes of the residence and hukou addresses

	inRes, inHuk bool // the residence, the hukou address lies in the region
	inRecords    bool // the record is in the region by either address (or the region is all)

	// Counted in the region: migrant (monitoring scope), migrant (statistics scope, which includes
	// the monitoring scope), left-behind, both, either, key care.
	mm, ms, lb, both, union, kc bool
	// Undetermined answers, placed where the child would count.
	umm, ums, ulb, ukc bool

	typeCats   []int  // the type columns the child counts in (see the type dimension)
	typeBuf    [4]int // backing of typeCats
	unionPlace string // where the child counts among "children": residence if migrant here, else hukou
	kcPlace    string // where a key-care child counts: residence if migrant, else hukou

	age      int  // full years on AsOf, -1 unknown
	in036    bool // 0–36 months on AsOf
	disabled bool
}

// fill works out where r counts and classifies it; it reports false, without classifying, for a
// record with neither address in the region: such a record counts nowhere in it.
func (c *recCtx) fill(r *child.Record, status string, p *plan) bool {
	c.r, c.status = r, status
	c.resid = normCode(r.ResidenceAddr.Region())
	c.hukou = normCode(r.HukouAddress.Region())
	inRes, inHuk := p.in(c.resid), p.in(c.hukou)
	c.inRes, c.inHuk = inRes, inHuk
	c.inRecords = p.region == "" || inRes || inHuk
	if !c.inRecords {
		return false
	}
	c.res = rules.Classify(r, p.asOf, &p.cfg)
	res := &c.res

	migrant := res.MigrantStatistics == rules.Yes || res.MigrantMonitoring == rules.Yes
	c.ms = migrant && inRes
	c.mm = res.MigrantMonitoring == rules.Yes && inRes
	c.lb = res.LeftBehind == rules.Yes && inHuk
	c.both = c.ms && c.lb
	c.union = c.ms || c.lb
	c.typeCats = c.typeBuf[:0]
	switch {
	case c.mm:
		c.typeCats = append(c.typeCats, 0)
	case c.ms:
		c.typeCats = append(c.typeCats, 1)
	}
	if c.lb {
		c.typeCats = append(c.typeCats, 2)
	}
	if c.both {
		c.typeCats = append(c.typeCats, 3)
	}
	c.unionPlace = c.hukou
	if c.ms {
		c.unionPlace = c.resid
	}
	c.kc, c.kcPlace = false, ""
	if res.KeyCare == rules.Yes {
		c.kcPlace = c.hukou
		if migrant {
			c.kcPlace = c.resid
		}
		c.kc = p.in(c.kcPlace)
	}

	// Undetermined answers count where the child would count if the answer were yes; an address
	// that is missing (often the reason for the doubt) gives way to the other one.
	either := func(first, second string) bool {
		if first == "" {
			first = second
		}
		return p.in(first)
	}
	c.umm = res.MigrantMonitoring == rules.Undetermined && either(c.resid, c.hukou)
	c.ums = res.MigrantStatistics == rules.Undetermined && either(c.resid, c.hukou)
	c.ulb = res.LeftBehind == rules.Undetermined && either(c.hukou, c.resid)
	c.ukc = false
	if res.KeyCare == rules.Undetermined {
		if res.MigrantStatistics != rules.No {
			c.ukc = either(c.resid, c.hukou)
		} else {
			c.ukc = either(c.hukou, c.resid)
		}
	}

	c.age = res.Age
	c.in036 = false
	if c.union && c.age >= 0 && c.age <= 3 {
		c.in036 = p.asOf <= r.BirthDate.AddMonths(36)
	}
	c.disabled = false
	if c.union {
		c.disabled = len(r.DisabilityTypes) > 0 || hasCode(r.Health, "disabled")
	}
	return true
}

func hasCode(set []string, code string) bool {
	for _, s := range set {
		if s == code {
			return true
		}
	}
	return false
}
