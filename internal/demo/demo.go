// Package demo generates synthetic children of Wuhai (乌海市) for demonstrations, tests and
// benchmarks: realistic in their proportions (districts by population, sex ratio, ethnic groups,
// origins in the neighbouring regions, key-care circumstances), valid in every item (identity
// numbers with their check digit, real division codes), and fictitious in every person. Every
// record is marked synthetic by its reporting unit. The same seed gives the same children.
package demo

import (
	"fmt"
	"math/rand/v2"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
)

// Marker is the reporting unit of every synthetic record: the UI and the data say it plainly.
const Marker = "演示数据（虚构）"

// Generator draws synthetic children.
type Generator struct {
	rng  *rand.Rand
	asOf child.Date
	tbl  *region.Table
	// villages of each Wuhai district, and counties of origin.
	wuhai   []weighted
	origins []weighted
	seq     int
}

type weighted struct {
	codes  []string // villages (Wuhai) or counties (origins)
	weight float64
}

// New returns a generator seeded with seed, making children as of the date asOf (birth dates
// fall in the 16 years before it).
func New(seed uint64, asOf child.Date) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), asOf: asOf, tbl: region.Default()}
	// Districts by population: 海勃湾区 about 341k, 乌达区 122k, 海南区 95k.
	for _, d := range []struct {
		code string
		pop  float64
	}{{"150302", 341}, {"150304", 122}, {"150303", 95}} {
		g.wuhai = append(g.wuhai, weighted{codes: g.villagesOf(d.code), weight: d.pop})
	}
	// Origins of migrant children: mostly the neighbouring regions.
	for _, o := range []struct {
		code string
		w    float64
	}{{"1508", 18}, {"1506", 10}, {"1529", 8}, {"1502", 6}, {"1501", 4}, {"1509", 3}, {"1504", 2},
		{"64", 16}, {"62", 12}, {"61", 8}, {"13", 5}, {"41", 5}, {"14", 3}} {
		g.origins = append(g.origins, weighted{codes: g.countiesOf(o.code), weight: o.w})
	}
	return g
}

func (g *Generator) villagesOf(county string) []string {
	var out []string
	for _, t := range g.tbl.Children(county) {
		for _, v := range g.tbl.Children(t.Code) {
			out = append(out, v.Code)
		}
	}
	return out
}

func (g *Generator) countiesOf(code string) []string {
	var out []string
	var walk func(c string)
	walk = func(c string) {
		for _, d := range g.tbl.Children(c) {
			switch d.Level {
			case region.County:
				out = append(out, d.Code)
			case region.Prefecture:
				walk(d.Code)
			}
		}
	}
	if d, ok := g.tbl.Lookup(code); ok && d.Level == region.Prefecture {
		walk(code)
	} else {
		walk(code)
	}
	return out
}

func (g *Generator) pick(ws []weighted) string {
	total := 0.0
	for _, w := range ws {
		total += w.weight
	}
	x := g.rng.Float64() * total
	for _, w := range ws {
		if x < w.weight {
			return w.codes[g.rng.IntN(len(w.codes))]
		}
		x -= w.weight
	}
	last := ws[len(ws)-1]
	return last.codes[g.rng.IntN(len(last.codes))]
}

func (g *Generator) chance(p float64) bool { return g.rng.Float64() < p }

func (g *Generator) date(from, to child.Date) child.Date {
	days := int(to.Time().Sub(from.Time()).Hours() / 24)
	if days <= 0 {
		return from
	}
	return from.AddDays(g.rng.IntN(days + 1))
}

// Child returns the next synthetic child.
func (g *Generator) Child() child.Record {
	g.seq++
	r := child.Record{Ref: fmt.Sprintf("DEMO-%07d", g.seq), ReportingUnit: Marker}

	// Sex ratio about 109 boys to 100 girls.
	male := g.chance(109.0 / 209.0)
	r.Sex = "2"
	if male {
		r.Sex = "1"
	}
	r.BirthDate = g.date(g.asOf.AddYears(-16).AddDays(1), g.asOf.AddDays(-30))
	eth := g.rng.Float64()
	switch {
	case eth < 0.93:
		r.Ethnicity = "01"
	case eth < 0.965:
		r.Ethnicity = "02"
	case eth < 0.985:
		r.Ethnicity = "03"
	case eth < 0.993:
		r.Ethnicity = "11"
	default:
		r.Ethnicity = []string{"10", "15", "31", "45"}[g.rng.IntN(4)]
	}
	surname := g.surname()
	r.Name = surname + g.givenName(male, r.Ethnicity == "02")

	wuhaiVillage := g.pick(g.wuhai)
	kind := g.rng.Float64()
	var hukou, resid string
	switch {
	case kind < 0.58: // migrant child living in Wuhai
		hukou, resid = g.pick(g.origins), wuhaiVillage
		if g.chance(0.15) { // moved within Wuhai between districts or townships
			hukou = g.pick(g.wuhai)
		}
	case kind < 0.93: // left-behind child with hukou in Wuhai
		hukou, resid = wuhaiVillage, wuhaiVillage
		if g.chance(0.2) {
			resid = g.pick(g.wuhai)
		}
	default: // registered earlier, no longer in scope (back home)
		hukou, resid = wuhaiVillage, wuhaiVillage
	}
	r.HukouRegistered = child.Bool(true)
	r.IDNumber = g.idNumber(region.CountyOf(hukou), r.BirthDate, male)
	r.HukouAddress = &child.Address{RegionCode: hukou, Detail: g.street()}
	r.ResidenceAddr = &child.Address{RegionCode: resid, Detail: g.street()}

	if hukou != resid {
		r.CoResidents = []string{"both_parents", "one_parent", "other_guardian"}[g.pickIndex(0.55, 0.35, 0.10)]
		r.ResidenceRegistration = []string{"residence_permit", "temporary", "none"}[g.pickIndex(0.5, 0.3, 0.2)]
		r.Housing = []string{"owned", "rented", "other"}[g.pickIndex(0.3, 0.6, 0.1)]
		left := g.date(maxDate(r.BirthDate, g.asOf.AddYears(-8)), g.asOf.AddDays(-20))
		r.LeftHukouDate = left
		r.ArrivedDate = left.AddDays(g.rng.IntN(20))
		if r.ArrivedDate > g.asOf {
			r.ArrivedDate = g.asOf
		}
	}
	r.Father = g.parent(surname, true, hukou, kind >= 0.58 && kind < 0.93)
	r.Mother = g.parent(g.surname(), false, hukou, kind >= 0.58 && kind < 0.93 && g.chance(0.7))
	if kind >= 0.58 && kind < 0.93 && r.Mother.MigrantWorker != nil && !*r.Mother.MigrantWorker && g.chance(0.3) {
		r.Mother.Capacity = []string{"serious_illness", "severe_disability", "deceased", "missing"}[g.rng.IntN(4)]
	}
	bothAway := *r.Father.MigrantWorker && *r.Mother.MigrantWorker
	r.BothParentsAway = child.Bool(bothAway)
	r.OneAwayOtherIncapable = child.Bool(!bothAway && (*r.Father.MigrantWorker && r.Mother.Capacity != "capable"))
	if kind >= 0.58 && kind < 0.93 {
		r.Caregiver = &child.Caregiver{Present: child.Bool(true), Name: surname + g.givenName(g.chance(0.5), false),
			Relation: []string{"paternal_grandfather", "paternal_grandmother", "maternal_grandfather", "maternal_grandmother"}[g.rng.IntN(4)],
			Phone:    g.phone()}
	}

	g.schooling(&r)
	g.health(&r)
	g.family(&r)
	r.CollectionMethod = []string{"home_visit", "self_report", "department"}[g.pickIndex(0.7, 0.1, 0.2)]
	r.ReportDate = g.date(g.asOf.AddMonths(-3), g.asOf)
	return r
}

func maxDate(a, b child.Date) child.Date {
	if a > b {
		return a
	}
	return b
}

func (g *Generator) pickIndex(ps ...float64) int {
	x := g.rng.Float64()
	for i, p := range ps {
		if x < p {
			return i
		}
		x -= p
	}
	return len(ps) - 1
}

func (g *Generator) parent(surname string, male bool, hukou string, away bool) *child.Parent {
	p := &child.Parent{
		Name:          surname + g.givenName(male, false),
		Phone:         g.phone(),
		MigrantWorker: child.Bool(away),
		Capacity:      "capable",
		HukouAddress:  &child.Address{RegionCode: hukou},
	}
	age := 24 + g.rng.IntN(20)
	birth := g.asOf.AddYears(-age).AddDays(-g.rng.IntN(365))
	p.IDNumber = g.idNumber(region.CountyOf(hukou), birth, male)
	if away {
		p.WorkRegionCode = g.pick(g.origins)
		if region.CountyOf(p.WorkRegionCode) == region.CountyOf(hukou) {
			p.WorkRegionCode = "110105"
		}
		p.WorkSince = g.date(g.asOf.AddYears(-6), g.asOf.AddDays(-10))
	}
	return p
}

func (g *Generator) schooling(r *child.Record) {
	age := r.BirthDate.FullYears(g.asOf)
	switch {
	case age < 3:
		r.SchoolStage = "preschool"
	case age < 6:
		r.SchoolStage = "preschool"
		r.SchoolName = "乌海市第" + cnNum(1+g.rng.IntN(12)) + "幼儿园"
	case age < 12:
		r.SchoolStage = "primary"
		r.SchoolName = "乌海市第" + cnNum(1+g.rng.IntN(20)) + "小学"
	case age < 15:
		r.SchoolStage = "junior"
		r.SchoolName = "乌海市第" + cnNum(1+g.rng.IntN(10)) + "中学"
	default:
		r.SchoolStage = []string{"senior", "vocational"}[g.rng.IntN(2)]
		r.SchoolName = "乌海市第" + cnNum(1+g.rng.IntN(6)) + "中学"
	}
	if age >= 6 {
		r.StudyStatus = "enrolled"
		if g.chance(0.01) {
			r.StudyStatus = "dropped_out"
		}
		r.Boarding = child.Bool(g.chance(0.12))
	}
}

func cnNum(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n == 10:
		return "十"
	case n < 20:
		return "十" + digits[n-10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}

func (g *Generator) health(r *child.Record) {
	r.Health = []string{"healthy"}
	r.DisabilityTypes = []string{}
	if g.chance(0.025) {
		types := []string{"visual", "hearing", "speech", "physical", "intellectual", "mental"}
		r.DisabilityTypes = []string{types[g.rng.IntN(len(types))]}
		if g.chance(0.15) {
			second := types[g.rng.IntN(len(types))]
			if second != r.DisabilityTypes[0] {
				r.DisabilityTypes = child.DisabilityType.SortSet(append(r.DisabilityTypes, second))
			}
		}
		r.DisabilityGrade = string(rune('1' + g.rng.IntN(4)))
		r.Health = []string{"disabled"}
		r.DisabilityCertificate = child.Bool(g.chance(0.8))
		r.Rehabilitation = &child.Rehabilitation{Received: child.Bool(g.chance(0.6))}
	} else if g.chance(0.02) {
		r.Health = []string{[]string{"serious_illness", "chronic_illness", "psych_behavioral"}[g.rng.IntN(3)]}
	}
	age := r.BirthDate.FullYears(g.asOf)
	if age < 7 {
		r.HealthMgmt06 = []string{"received_residence", "received_hukou", "not_received"}[g.pickIndex(0.7, 0.15, 0.15)]
	} else {
		r.HealthMgmt06 = "not_applicable"
	}
	if g.asOf <= r.BirthDate.AddMonths(36) {
		r.TCMMgmt036m = []string{"received_residence", "received_hukou", "not_received"}[g.pickIndex(0.55, 0.15, 0.3)]
	} else {
		r.TCMMgmt036m = "not_applicable"
	}
	r.MedicalInsurance = []string{"residence_place", "hukou_place", "none"}[g.pickIndex(0.55, 0.38, 0.07)]
}

func (g *Generator) family(r *child.Record) {
	r.FamilyHardship = []string{}
	r.Assistance = []string{}
	r.GuardianshipQuality = []string{"good", "fair", "poor"}[g.pickIndex(0.7, 0.25, 0.05)]
	r.GuardianshipIssue = "none"
	r.Vagrant = child.Bool(false)
	r.HelpRequested = &child.HelpRequest{Requested: child.Bool(false)}
	if g.chance(0.05) {
		r.FamilyHardship = []string{[]string{"dibao", "tekun", "dibao_edge", "rigid_expense", "poverty_watch"}[g.rng.IntN(5)]}
		if r.FamilyHardship[0] == "dibao" || r.FamilyHardship[0] == "tekun" {
			r.Assistance = []string{r.FamilyHardship[0]}
		}
	}
	if g.chance(0.01) {
		r.GuardianshipIssue = []string{"guardian_incapable", "guardian_insufficient", "unattended"}[g.rng.IntN(3)]
		r.GuardianshipQuality = "poor"
	}
	if g.chance(0.015) {
		r.HelpRequested = &child.HelpRequest{Requested: child.Bool(true), Detail: "申请学业和生活帮扶", Date: g.date(g.asOf.AddMonths(-6), g.asOf)}
	}
	if g.chance(0.001) {
		r.Vagrant = child.Bool(true)
	}
}

func (g *Generator) idNumber(county string, birth child.Date, male bool) string {
	if len(county) != 6 {
		county = "150302"
	}
	seq := g.rng.IntN(500) * 2
	if male {
		seq++
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", county, birth.Year(), birth.Month(), birth.Day(), seq)
	return first17 + string(idcard.CheckDigit(first17))
}

func (g *Generator) phone() string {
	prefixes := []string{"130", "131", "132", "135", "136", "138", "139", "150", "151", "152", "155", "156", "158", "159", "177", "180", "186", "187", "188", "189", "199"}
	return fmt.Sprintf("%s%08d", prefixes[g.rng.IntN(len(prefixes))], g.rng.IntN(100000000))
}

func (g *Generator) street() string {
	streets := []string{"人民路", "黄河街", "新华街", "滨河大道", "海达路", "千里山路", "卫生路", "巴音赛街", "林荫路", "团结路"}
	return fmt.Sprintf("%s%d号%d栋%d单元%d室", streets[g.rng.IntN(len(streets))], 1+g.rng.IntN(300), 1+g.rng.IntN(30), 1+g.rng.IntN(6), 101+g.rng.IntN(20)*100+g.rng.IntN(4))
}
