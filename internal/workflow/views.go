package workflow

import (
	"time"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/roster"
	"guanai/internal/store"
)

// The views of the roster workflows: the same keys in guanai roster / leads / discrepancies and
// in the API, names and numbers masked unless a caller that may see them in full (and has
// audited the reading) asks for them.

var chinaTime = time.FixedZone("CST", 8*3600)

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006-01-02 15:04:05")
}

// BatchView is an import batch.
type BatchView struct {
	Batch      string `json:"batch"`
	Kind       string `json:"kind"`
	Department string `json:"department,omitempty"`
	Roster     string `json:"roster"`
	RosterDate string `json:"roster_date,omitempty"`
	Status     string `json:"status"`
	Actor      string `json:"actor"`
	StartedAt  string `json:"started_at"`
	Rows       int    `json:"rows"`
	Imported   int    `json:"imported"`
	Updated    int    `json:"updated"`
	Unchanged  int    `json:"unchanged"`
	Rejected   int    `json:"rejected"`
	Unmatched  int    `json:"unmatched"`
}

// ViewBatch is b as it is listed.
func ViewBatch(b *store.Batch) BatchView {
	v := BatchView{Batch: b.UID, Kind: b.Kind, Department: b.Department, Roster: b.Roster, Status: b.Status, Actor: b.Actor, StartedAt: stamp(b.Started),
		Rows: b.Result.Rows, Imported: b.Result.Imported, Updated: b.Result.Updated, Unchanged: b.Result.Unchanged, Rejected: b.Result.Rejected,
		Unmatched: b.Result.Unmatched}
	if b.RosterDate != 0 {
		v.RosterDate = b.RosterDate.String()
	}
	return v
}

// Shown says how a view shows a person's name and numbers.
type Shown bool

// Masked shows names and numbers masked; InFull in full (the caller audited the reading).
const (
	Masked Shown = false
	InFull Shown = true
)

func (f Shown) name(n string) string {
	if f {
		return n
	}
	return child.MaskName(n)
}

func (f Shown) id(n string) string {
	if f {
		return n
	}
	return idcard.Mask(n)
}

// PersonView is a person of a roster row or of the registry as a list shows it.
type PersonView struct {
	Name            string `json:"name"`
	Sex             string `json:"sex,omitempty"`
	BirthDate       string `json:"birth_date,omitempty"`
	IDNumber        string `json:"id_number,omitempty"`
	ResidenceRegion string `json:"residence_region,omitempty"`
	HukouRegion     string `json:"hukou_region,omitempty"`
	// ResidenceDetail is the address to visit (a lead's), masked like the rest.
	ResidenceDetail string `json:"residence_detail,omitempty"`
	FatherName      string `json:"father_name,omitempty"`
	MotherName      string `json:"mother_name,omitempty"`
}

// RosterPerson is the person of a roster row.
func RosterPerson(r *roster.Record, f Shown) PersonView {
	p := PersonView{Name: f.name(r.Name), Sex: r.Sex, IDNumber: f.id(r.IDNumber), ResidenceRegion: r.ResidenceCode(), HukouRegion: r.HukouCode(),
		FatherName: f.name(r.FatherName), MotherName: f.name(r.MotherName)}
	if a := r.ResidenceAddress; a != nil && a.Detail != "" {
		p.ResidenceDetail = a.Detail
		if !f {
			p.ResidenceDetail = child.MaskDetail(a.Detail)
		}
	}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	return p
}

// ChildPerson is the person of a registered record.
func ChildPerson(r *child.Record, f Shown) PersonView {
	p := PersonView{Name: f.name(r.Name), Sex: r.Sex, IDNumber: f.id(r.IDNumber), ResidenceRegion: r.ResidenceAddr.Region(), HukouRegion: r.HukouAddress.Region()}
	if r.Father != nil {
		p.FatherName = f.name(r.Father.Name)
	}
	if r.Mother != nil {
		p.MotherName = f.name(r.Mother.Name)
	}
	if r.BirthDate != 0 {
		p.BirthDate = r.BirthDate.String()
	}
	return p
}

// FieldWeight is one item of a pair's comparison: how the two records agree on it and what that
// weighed.
type FieldWeight struct {
	Field         string  `json:"field"`
	Level         string  `json:"level"`
	Weight        float64 `json:"weight"`
	SiblingWeight float64 `json:"sibling_weight"`
}

// PairView is a roster row in the clerical-review band beside its candidate.
type PairView struct {
	ID         int64             `json:"id"`
	Department string            `json:"department"`
	Batch      string            `json:"batch"`
	Roster     string            `json:"roster"`
	Row        int               `json:"row"`
	Score      float64           `json:"score"`
	Method     string            `json:"method"`
	Review     string            `json:"review"`
	RosterRow  PersonView        `json:"roster_row"`
	Candidate  *PersonView       `json:"candidate,omitempty"`
	ChildUID   string            `json:"child_uid,omitempty"`
	Agreement  map[string]string `json:"agreement,omitempty"`
	Fields     []FieldWeight     `json:"fields"`
	Full       bool              `json:"full"` // names and numbers in full (the reading is audited)
}

// ViewPair is p as a reviewer sees it.
func ViewPair(p *store.RosterPair, f Shown) PairView {
	v := PairView{ID: p.ID, Department: p.Department, Batch: p.Batch, Roster: p.Roster, Row: p.Row, Score: p.Score, Method: p.Method,
		Review: p.Review, RosterRow: RosterPerson(&p.Record, f), Agreement: p.Agreement, Fields: []FieldWeight{}, Full: bool(f)}
	if p.Candidate != nil {
		c := ChildPerson(&p.Candidate.Record, f)
		v.Candidate, v.ChildUID = &c, p.Candidate.UID
	}
	for _, w := range p.Fields {
		v.Fields = append(v.Fields, FieldWeight{w.Field, w.Level, w.Weight, w.SiblingWeight})
	}
	return v
}

// LeadView is a home-visit lead.
type LeadView struct {
	UID          string     `json:"uid"`
	Department   string     `json:"department"`
	Batch        string     `json:"batch"`
	Row          int        `json:"row"`
	Region       string     `json:"region_code"`
	Reasons      []string   `json:"reasons"`
	ReasonText   []string   `json:"reason_text"`
	Person       PersonView `json:"person"`
	Status       string     `json:"status"`
	Outcome      string     `json:"outcome,omitempty"`
	OutcomeLabel string     `json:"outcome_label,omitempty"`
	ChildUID     string     `json:"child_uid,omitempty"`
	CreatedAt    string     `json:"created_at"`
}

// ViewLead is l as it is listed, masked.
func ViewLead(l *store.Lead) LeadView {
	v := LeadView{UID: l.UID, Department: l.Department, Batch: l.Batch, Row: l.Row, Region: l.RegionCode, Reasons: nonNil(l.Reasons), ReasonText: []string{},
		Person: RosterPerson(&l.Record, Masked), Status: l.Status, Outcome: l.Outcome, ChildUID: l.Child, CreatedAt: stamp(l.Created)}
	for _, c := range l.Reasons {
		v.ReasonText = append(v.ReasonText, roster.LeadReasonLabel(c))
	}
	if l.Outcome != "" {
		v.OutcomeLabel = store.LeadOutcomeLabel(l.Outcome)
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// DiscrepancyItemView is one child of a discrepancy report.
type DiscrepancyItemView struct {
	UID             string `json:"uid,omitempty"`
	Kind            string `json:"kind"`
	ChildUID        string `json:"child_uid"`
	Name            string `json:"name"`
	IDNumber        string `json:"id_number"`
	Department      string `json:"department"`
	ResidenceRegion string `json:"residence_region"`
	HukouRegion     string `json:"hukou_region"`
	Age             int    `json:"age"`
	Field           string `json:"field,omitempty"`
	Label           string `json:"label,omitempty"`
	Record          string `json:"record,omitempty"`
	Roster          string `json:"roster,omitempty"`
	Status          string `json:"status,omitempty"`
	CreatedAt       string `json:"created_at,omitempty"`
}

// DiscrepancyView is a report of one kind.
type DiscrepancyView struct {
	Kind     string                `json:"kind"`
	Label    string                `json:"label"`
	AsOf     string                `json:"as_of"`
	Region   string                `json:"region"`
	NoRoster bool                  `json:"no_roster"`
	Total    int                   `json:"total"`
	ByRegion []store.RegionCount   `json:"by_region"`
	Items    []DiscrepancyItemView `json:"items"`
}

// ViewDiscrepancies is a report as people read it: the child's name and ID number masked; the
// values of a contradiction on a sensitive item (a school's name) masked unless values (a caller
// that may reveal them and has audited the reading).
func ViewDiscrepancies(rep *store.DiscrepancyReport, values Shown) DiscrepancyView {
	v := DiscrepancyView{Kind: rep.Kind, Label: rep.Label, AsOf: rep.AsOf.String(), Region: rep.Region, NoRoster: rep.NoRoster, Total: rep.Total,
		ByRegion: rep.ByRegion, Items: make([]DiscrepancyItemView, 0, len(rep.Items))}
	if v.ByRegion == nil {
		v.ByRegion = []store.RegionCount{}
	}
	for _, it := range rep.Items {
		iv := DiscrepancyItemView{Kind: it.Kind, ChildUID: it.Child, Name: child.MaskName(it.Name), IDNumber: idcard.Mask(it.IDNumber),
			Department: it.Department, ResidenceRegion: it.ResidenceCode, HukouRegion: it.HukouCode, Age: it.Age}
		switch {
		case it.UID != "":
			rec, ros := it.Record, it.Roster
			if store.Sensitive(it.Field) && values == Masked {
				rec, ros = child.MaskDetail(rec), child.MaskDetail(ros)
			}
			iv.UID, iv.Field, iv.Label, iv.Record, iv.Roster, iv.Status, iv.CreatedAt = it.UID, it.Field, it.Label, rec, ros, it.Status, stamp(it.Created)
		case it.Label != "":
			// A kind with a date of its own (a permit's 有效期至): the roster's value.
			iv.Field, iv.Label, iv.Roster = it.Field, it.Label, it.Roster
		}
		v.Items = append(v.Items, iv)
	}
	return v
}
