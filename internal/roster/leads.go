package roster

import (
	"guanai/internal/child"
)

// Reasons a roster row of a child the registry does not know suggests a migrant or left-behind
// child: the row becomes a home-visit lead (入户走访线索).
const (
	LeadFlagMigrant     = "flag_migrant"     // the roster marks the child 随迁子女 / 流动儿童
	LeadFlagLeftBehind  = "flag_left_behind" // the roster marks the child 留守儿童
	LeadParentsAway     = "parents_away"     // the roster says the parents work away
	LeadResidencePermit = "residence_permit" // a residence permit or temporary registration: hukou elsewhere
	LeadHukouElsewhere  = "hukou_elsewhere"  // hukou and residence in different counties
	LeadInsuredHukou    = "insured_elsewhere"
)

var leadLabels = map[string]string{
	LeadFlagMigrant:     "名册标注为随迁子女（流动儿童）",
	LeadFlagLeftBehind:  "名册标注为留守儿童",
	LeadParentsAway:     "名册显示父母外出务工",
	LeadResidencePermit: "办理了居住证或暂住登记（户籍在外地）",
	LeadHukouElsewhere:  "户籍地与现居住地不在同一县（市、区）",
	LeadInsuredHukou:    "在现居住地以外的地方参加医保",
}

// LeadReasonLabel gives the Chinese text of a lead reason.
func LeadReasonLabel(code string) string {
	if l, ok := leadLabels[code]; ok {
		return l
	}
	return code
}

// LeadAge is the age from which a child is out of scope (RULES.md: under 16).
const LeadAge = 16

// LeadReasons returns why the child of roster row r, whom the registry does not hold, may be a
// migrant or left-behind child, as of date asOf; nil when the child is 16 or older (or of
// unknown age) or nothing in the row suggests it.
func LeadReasons(r *Record, asOf child.Date) []string {
	if r.BirthDate == 0 || r.BirthDate.FullYears(asOf) >= LeadAge || r.BirthDate > asOf {
		return nil
	}
	var out []string
	yes := func(b *bool) bool { return b != nil && *b }
	if yes(r.Migrant) {
		out = append(out, LeadFlagMigrant)
	}
	if yes(r.LeftBehind) {
		out = append(out, LeadFlagLeftBehind)
	}
	if yes(r.ParentsAway) {
		out = append(out, LeadParentsAway)
	}
	// A permit, even an expired one (no longer 办理居住证), says the child lives away from its hukou.
	if r.ResidenceRegistration == "residence_permit" || r.ResidenceRegistration == "temporary" || r.PermitNo != "" {
		out = append(out, LeadResidencePermit)
	}
	county := func(c string) string {
		if len(c) >= 6 {
			return c[:6]
		}
		return ""
	}
	res, hukou := county(r.ResidenceCode()), county(r.HukouCode())
	if res != "" && hukou != "" && res != hukou {
		out = append(out, LeadHukouElsewhere)
	}
	if ins := county(r.InsuranceRegion); res != "" && ins != "" && ins != res && (r.Insured == nil || *r.Insured) {
		out = append(out, LeadInsuredHukou)
	}
	out = append(out, rollReasons(r)...)
	return out
}

// LeadRegion returns the division a lead is assigned to: the residence's (the village or
// community that visits), else — for a child marked left-behind — the hukou's, else "".
func LeadRegion(r *Record) string {
	if c := r.ResidenceCode(); c != "" {
		return c
	}
	if r.LeftBehind != nil && *r.LeftBehind || rollRoster(r.Department) {
		return r.HukouCode()
	}
	return ""
}
