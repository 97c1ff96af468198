package workflow

import (
	"context"
	"io"
	"iter"
	"strconv"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
	"guanai/internal/rules"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// LedgerView is an entry of the key-care ledger as `guanai ledger list` and the API show it:
// the child's name and ID number masked.
type LedgerView struct {
	UID        string   `json:"uid"`
	Child      string   `json:"child"`
	IDNumber   string   `json:"id_number,omitempty"`
	Sex        string   `json:"sex,omitempty"`
	BirthDate  string   `json:"birth_date,omitempty"`
	RegionCode string   `json:"region_code"`
	RegionName string   `json:"region_name,omitempty"`
	Reasons    []string `json:"reasons"`
	Status     string   `json:"status"`
	Flagged    bool     `json:"flagged"`
	OpenedOn   string   `json:"opened_on"`
	Reopened   int      `json:"reopened,omitempty"`
	Risk       string   `json:"risk,omitempty"`
	Needs      []string `json:"needs"`
	Director   string   `json:"director,omitempty"`
	Cadre      string   `json:"cadre,omitempty"`
	Measures   []string `json:"measures"`
	LastVisit  string   `json:"last_visit,omitempty"`
	NextVisit  string   `json:"next_visit,omitempty"`
	// Due: "overdue" (next visit before the day), "due" (within store.LedgerDueDays) or "".
	Due         string `json:"due,omitempty"`
	CloseReason string `json:"close_reason,omitempty"`
}

func dateText(d child.Date) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// ViewLedger is the masked view of an entry as of the day asOf.
func ViewLedger(e *store.LedgerEntry, asOf child.Date) LedgerView {
	v := LedgerView{UID: e.Child, Child: child.MaskName(e.Name), IDNumber: idcard.Mask(e.IDNumber), Sex: e.Sex, BirthDate: dateText(e.BirthDate),
		RegionCode: e.RegionCode, RegionName: region.Default().FullName(e.RegionCode), Reasons: e.Reasons, Status: e.Status, Flagged: e.Flagged,
		OpenedOn: dateText(e.OpenedOn), Reopened: e.Reopened, Risk: e.Risk, Needs: e.Needs, Director: e.Director, Cadre: e.Cadre,
		Measures: e.Measures, LastVisit: dateText(e.LastVisit), NextVisit: dateText(e.NextVisit), CloseReason: e.CloseReason}
	if e.Status != store.LedgerClosed && e.NextVisit != 0 {
		switch {
		case e.NextVisit < asOf:
			v.Due = "overdue"
		case e.NextVisit <= asOf.AddDays(store.LedgerDueDays):
			v.Due = "due"
		}
	}
	return v
}

// LedgerHeader is the header of the 台账 workbook: the township's usual columns.
var LedgerHeader = []string{"序号", "姓名", "性别", "出生日期", "身份证号", "户籍地", "现居住地", "监护人及联系方式", "困境类型", "帮扶措施",
	"责任人", "最近探访日期", "下次探访", "状态"}

var ledgerWidths = []float64{6, 10, 6, 12, 20, 28, 32, 28, 22, 24, 12, 13, 13, 10}

// LedgerRow is the workbook row of an entry (its record opened): the ID number masked unless
// fullID.
func LedgerRow(n int, e *store.LedgerEntry, asOf child.Date, fullID bool) []string {
	r := e.Record
	if r == nil {
		r = &child.Record{Name: e.Name, IDNumber: e.IDNumber, Sex: e.Sex, BirthDate: e.BirthDate}
	}
	id := idcard.Mask(r.IDNumber)
	if fullID {
		id = r.IDNumber
	}
	reasons := make([]string, len(e.Reasons))
	for i, c := range e.Reasons {
		reasons[i] = rules.ReasonLabel(c)
	}
	measures := make([]string, 0, len(e.Measures))
	for _, c := range e.Measures {
		if m, ok := store.MeasureByCode(c); ok {
			measures = append(measures, m.Label)
		}
	}
	status := store.LedgerStatusLabels[e.Status]
	if e.Flagged {
		status += "（待复核）"
	} else if e.Status != store.LedgerClosed && e.NextVisit != 0 && e.NextVisit < asOf {
		status += "（探访逾期）"
	}
	director := e.Director
	if e.Cadre != "" {
		director += "／包联：" + e.Cadre
	}
	return []string{strconv.Itoa(n), r.Name, child.Sex.Label(r.Sex), dateText(r.BirthDate), id, addressText(r.HukouAddress), addressText(r.ResidenceAddr),
		guardians(r), strings.Join(reasons, "、"), strings.Join(measures, "、"), director, dateText(e.LastVisit), dateText(e.NextVisit), status}
}

func addressText(a *child.Address) string {
	if a == nil {
		return ""
	}
	return region.Default().FullName(a.RegionCode) + a.Detail
}

// guardians are the child's guardians with their phones: the parents, the other guardian, the
// entrusted caregiver.
func guardians(r *child.Record) string {
	var out []string
	add := func(role, name, phone string) {
		if name == "" && phone == "" {
			return
		}
		s := role + "：" + name
		if phone != "" {
			s += " " + phone
		}
		out = append(out, s)
	}
	if p := r.Father; p != nil {
		add("父亲", p.Name, p.Phone)
	}
	if p := r.Mother; p != nil {
		add("母亲", p.Name, p.Phone)
	}
	if g := r.OtherGuardian; g != nil {
		add("监护人", g.Name, g.Phone)
	}
	if c := r.Caregiver; c != nil {
		add("受委托照护人", c.Name, c.Phone)
	}
	return strings.Join(out, "；")
}

// LedgerSource is the store's side of the 台账 workbook.
type LedgerSource interface {
	EachLedgerEntry(ctx context.Context, q store.LedgerQuery, fn func(*store.LedgerEntry) error) error
	Audit(ctx context.Context, action, object string, detail any) error
}

// WriteLedger writes the 台账 of a region: one row per open entry, numbered from 1, in the
// format of opt (xlsx or csv). The rows are the entries open when it runs; asOf dates the
// workbook and decides which visits are overdue. It returns the number of rows.
func WriteLedger(ctx context.Context, s LedgerSource, w io.Writer, regionCode string, asOf child.Date, opt sheet.WriteOptions) (int, error) {
	var iterErr error
	n := 0
	rows := iter.Seq[[]string](func(yield func([]string) bool) {
		stop := errStop{}
		iterErr = s.EachLedgerEntry(ctx, store.LedgerQuery{Region: regionCode, Records: true}, func(e *store.LedgerEntry) error {
			n++
			if !yield(LedgerRow(n, e, asOf, false)) {
				return stop
			}
			return nil
		})
		if iterErr == stop {
			iterErr = nil
		}
	})
	if opt.Title == "" {
		name := region.Default().FullName(regionCode)
		if name == "" {
			name = regionCode
		}
		opt.Title = name + "重点关爱服务对象信息台账（" + asOf.String() + "）"
	}
	if opt.SheetName == "" {
		opt.SheetName = "重点关爱台账"
	}
	if err := sheet.WriteTable(w, LedgerHeader, rows, ledgerWidths, opt); err != nil {
		return n, err
	}
	if iterErr != nil {
		return n, iterErr
	}
	return n, s.Audit(ctx, audit.LedgerExport, "ledger", map[string]any{"region": regionCode, "as_of": asOf.String(), "rows": n})
}
