package rules

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"guanai/internal/child"
	"guanai/internal/region"
)

// Missing lists the items (JSON paths of DATA.md) whose absence leaves an answer undetermined, in
// a stable order, without repeats: what a collector should ask for next.
func (res *Result) Missing() []string {
	r, f := res.rec, &res.f
	out := make([]string, 0, 4)
	add := func(keys ...string) {
		for _, k := range keys {
			found := false
			for _, o := range out {
				if o == k {
					found = true
					break
				}
			}
			if !found {
				out = append(out, k)
			}
		}
	}
	anyUndetermined := res.MigrantMonitoring == Undetermined || res.MigrantStatistics == Undetermined ||
		res.LeftBehind == Undetermined || res.KeyCare == Undetermined
	if !anyUndetermined {
		return out
	}
	if f.under == Undetermined {
		add("birth_date")
	}
	if res.MigrantMonitoring == Undetermined || res.MigrantStatistics == Undetermined {
		if f.coRes == Undetermined {
			add("co_residents")
		}
		crossUnknown := f.crossCounty == Undetermined
		if res.MigrantMonitoring != Undetermined {
			crossUnknown = false
		}
		if res.MigrantStatistics == Undetermined && f.crossTownship == Undetermined {
			crossUnknown = true
		}
		if crossUnknown {
			add(addressNeed("hukou_address", r.HukouAddress.Region(), r.ResidenceAddr.Region(), f.crossCounty)...)
			add(addressNeed("residence_address", r.ResidenceAddr.Region(), r.HukouAddress.Region(), f.crossCounty)...)
		}
		if f.awayLong == Undetermined {
			add("left_hukou_date")
		}
	}
	if res.LeftBehind == Undetermined {
		if f.childCounty == "" && (needsCounty(&f.father) || needsCounty(&f.mother)) {
			add("residence_address.region_code")
		}
		add(parentNeed("father", r.Father, &f.father, f)...)
		add(parentNeed("mother", r.Mother, &f.mother, f)...)
		if r.Father == nil && r.Mother == nil {
			if r.BothParentsAway == nil {
				add("both_parents_away")
			}
			if r.OneAwayOtherIncapable == nil {
				add("one_away_other_incapable")
			}
		}
	}
	if res.KeyCare == Undetermined {
		keys := [...]string{"family_hardship", "disability_types", "guardianship_issue", "vagrant", "health", "help_requested"}
		for i, t := range f.care {
			if t != Undetermined {
				continue
			}
			if i < 5 && f.branch1 == Undetermined || i == 5 && f.statsHelp == Undetermined {
				add(keys[i])
			}
		}
	}
	return out
}

func needsCounty(p *parentFacts) bool {
	return p.crossCounty == Undetermined && p.worker != No && !p.deadOrGone
}

// addressNeed names the code of an address when it is missing or too short to compare.
func addressNeed(key, code, other string, cross Tri) []string {
	if code == "" {
		return []string{key + ".region_code"}
	}
	if len(code) < 9 {
		return []string{key + ".region_code"}
	}
	return nil
}

func parentNeed(key string, p *child.Parent, pf *parentFacts, f *facts) []string {
	if f.bothAway != Undetermined && f.oneAway != Undetermined {
		return nil
	}
	if p == nil {
		return []string{key + ".migrant_worker", key + ".capacity"}
	}
	var out []string
	if pf.deadOrGone {
		return nil
	}
	if pf.worker == Undetermined {
		out = append(out, key+".migrant_worker")
	}
	if pf.worker != No {
		if p.WorkRegionCode == "" {
			out = append(out, key+".work_region_code")
		}
		if p.WorkSince == 0 {
			out = append(out, key+".work_since")
		}
	}
	if pf.incapable == Undetermined && f.oneAway == Undetermined {
		out = append(out, key+".capacity")
	}
	return out
}

// Reasons explains each answer in Chinese, naming the facts used: the age, then the migrant
// scopes, the left-behind answer and the key-care answer, one sentence each.
func (res *Result) Reasons() []string {
	out := make([]string, 0, 5)
	out = append(out, res.ageReason())
	out = append(out, res.migrantReason(true))
	out = append(out, res.migrantReason(false))
	out = append(out, res.leftBehindReason())
	out = append(out, res.keyCareReason())
	return out
}

func (res *Result) ageReason() string {
	r := res.rec
	limit := strconv.Itoa(res.cfg.AgeLimit)
	switch {
	case r.BirthDate == 0:
		return "年龄：出生日期不详，无法判断是否未满" + limit + "周岁。"
	case res.AsOf < r.BirthDate:
		return "年龄：出生日期 " + r.BirthDate.String() + " 晚于参考日期 " + res.AsOf.String() + "，参考日期时尚未出生，不属于工作对象。"
	}
	bday := r.BirthDate.AddYears(res.cfg.AgeLimit)
	if res.f.under == Yes {
		return "年龄：出生于 " + r.BirthDate.String() + "，截至 " + res.AsOf.String() + " 为 " + strconv.Itoa(res.Age) + " 周岁，未满" + limit + "周岁（" + bday.String() + " 为" + limit + "周岁生日，次日起满" + limit + "周岁）。"
	}
	return "年龄：出生于 " + r.BirthDate.String() + "，截至 " + res.AsOf.String() + " 已满" + limit + "周岁（" + bday.String() + " 为" + limit + "周岁生日，次日起满" + limit + "周岁），不属于工作对象。"
}

// placeCache keeps the names of the divisions met so far: a classification run meets the same
// few thousand codes again and again.
var placeCache sync.Map

// placeCacheMax bounds placeCache; codes past it are named without caching.
const placeCacheMax = 200_000

var placeCacheLen atomic.Int64

// place names a division with its code: 内蒙古自治区乌海市海勃湾区（150302）.
func place(code string) string {
	if code == "" {
		return "（未填写）"
	}
	if v, ok := placeCache.Load(code); ok {
		return v.(string)
	}
	s := "区划代码 " + code
	if name := region.Default().FullName(code); name != "" {
		s = name + "（" + code + "）"
	}
	if placeCacheLen.Load() < placeCacheMax {
		if _, loaded := placeCache.LoadOrStore(code, s); !loaded {
			placeCacheLen.Add(1)
		}
	}
	return s
}

func (res *Result) migrantReason(monitoring bool) string {
	r, f := res.rec, &res.f
	title := "流动儿童（统计分析范围）"
	answer := res.MigrantStatistics
	cross := f.crossTownship
	level := "乡镇（街道）"
	if monitoring {
		title = "流动儿童（监测摸排范围）"
		answer = res.MigrantMonitoring
		cross = f.crossCounty
		level = "县域"
	}
	var parts []string
	show := func(t Tri) bool {
		// Yes: every condition; No: the conditions that fail; Undetermined: those not known.
		switch answer {
		case Yes:
			return true
		case No:
			return t == No
		}
		return t == Undetermined
	}
	if answer != Yes && f.under != Yes && show(f.under) {
		if f.under == No {
			parts = append(parts, "不是未满"+strconv.Itoa(res.cfg.AgeLimit)+"周岁的儿童")
		} else {
			parts = append(parts, "出生日期不详")
		}
	}
	if show(f.coRes) {
		if f.coRes == Yes {
			parts = append(parts, "与"+child.CoResidents.Label(r.CoResidents)+"共同居住")
		} else {
			parts = append(parts, "未填写共同居住人，无法判断是否随父母或其他监护人居住")
		}
	}
	hk, rs := r.HukouAddress.Region(), r.ResidenceAddr.Region()
	if show(cross) {
		switch cross {
		case Yes:
			parts = append(parts, "户籍地为"+place(hk)+"，现居住地为"+place(rs)+"，离开户籍地所在"+level)
		case No:
			parts = append(parts, "户籍地"+place(hk)+"与现居住地"+place(rs)+"在同一"+level)
		default:
			switch {
			case hk == "" && rs == "":
				parts = append(parts, "户籍地址和现居住地的区划代码未填写")
			case hk == "":
				parts = append(parts, "户籍地址的区划代码未填写")
			case rs == "":
				parts = append(parts, "现居住地的区划代码未填写")
			default:
				parts = append(parts, "户籍地"+place(hk)+"与现居住地"+place(rs)+"只填到县级且同属一个县，无法判断是否离开户籍地所在"+level)
			}
		}
	}
	if monitoring && (show(f.notCentral) && f.notCentral != Yes || answer == No && f.notCentral == No) {
		if f.notCentral == No {
			parts = append(parts, "户籍地与现居住地同属配置的城市中心城区，属于中心城区市辖区之间的流动，不纳入监测摸排范围")
		}
	}
	months := strconv.Itoa(res.cfg.MigrantMonths)
	if show(f.awayLong) {
		from := "离开户籍地"
		if f.awayFromArrived {
			from = "来到现居住地（未填写离开户籍地日期，按来现居住地日期计算）"
		}
		switch f.awayLong {
		case Yes:
			parts = append(parts, "自 "+f.awayFrom.String()+" "+from+"，截至 "+res.AsOf.String()+" 已满"+months+"个月（"+f.awayFrom.AddMonths(res.cfg.MigrantMonths).String()+" 满"+months+"个月）")
		case No:
			parts = append(parts, "自 "+f.awayFrom.String()+" "+from+"，截至 "+res.AsOf.String()+" 不满"+months+"个月（"+f.awayFrom.AddMonths(res.cfg.MigrantMonths).String()+" 才满"+months+"个月）")
		default:
			parts = append(parts, "离开户籍地日期和来现居住地日期均未填写，无法判断是否已满"+months+"个月")
		}
	}
	return title + "：" + answer.Chinese() + "。" + joinParts(parts)
}

func joinParts(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "；") + "。"
}

func (res *Result) parentPhrase(role string, p *child.Parent, pf *parentFacts) string {
	months := strconv.Itoa(res.cfg.LeftBehindMonths)
	if p == nil {
		return role + "信息未填写"
	}
	if pf.deadOrGone {
		return role + child.Capacity.Label(p.Capacity) + "，未外出务工、无监护能力"
	}
	var s string
	switch pf.away {
	case Yes:
		s = role + "在" + place(p.WorkRegionCode) + "务工，跨县域，自 " + p.WorkSince.String() + " 起已连续外出满" + months + "个月（" + pf.reached.String() + " 满" + months + "个月）"
	case No:
		switch {
		case pf.worker == No:
			s = role + "未外出务工"
		case pf.crossCounty == No:
			s = role + "务工地" + place(p.WorkRegionCode) + "与儿童" + res.childPlace() + "在同一县域，不属于外出务工"
		case pf.longEnough == No:
			s = role + "自 " + p.WorkSince.String() + " 起外出务工，截至 " + res.AsOf.String() + " 不满" + months + "个月（" + pf.reached.String() + " 才满" + months + "个月）"
		}
	default:
		var miss []string
		if pf.worker == Undetermined {
			miss = append(miss, "是否外出务工")
		}
		if pf.crossCounty == Undetermined {
			if p.WorkRegionCode == "" {
				miss = append(miss, "务工地")
			} else {
				miss = append(miss, "务工地是否跨县域（务工地或儿童"+res.childPlace()+"区划不够详细）")
			}
		}
		if pf.longEnough == Undetermined {
			miss = append(miss, "外出务工起始日期")
		}
		s = role + "的" + strings.Join(miss, "、") + "未填写，无法判断是否外出务工"
	}
	switch pf.incapable {
	case Yes:
		s += "，监护能力为“" + child.Capacity.Label(p.Capacity) + "”（无监护能力）"
	case No:
		if pf.away != Yes {
			s += "，具备监护能力"
		}
	}
	return s
}

func (res *Result) leftBehindReason() string {
	r, f := res.rec, &res.f
	answer := res.LeftBehind
	var parts []string
	if f.under == No {
		parts = append(parts, "不是未满"+strconv.Itoa(res.cfg.AgeLimit)+"周岁的儿童")
	} else if f.under == Undetermined {
		parts = append(parts, "出生日期不详")
	}
	if r.CoResidents == "both_parents" {
		// Whatever the parents' work: the child does not stay behind.
		if r.Father != nil {
			parts = append(parts, res.parentPhrase("父亲", r.Father, &f.father))
		}
		if r.Mother != nil {
			parts = append(parts, res.parentPhrase("母亲", r.Mother, &f.mother))
		}
		parts = append(parts, "儿童与父母双方共同居住，不属于留守儿童（随父母流动的儿童是流动儿童，不是留守儿童）")
		return "留守儿童：" + answer.Chinese() + "。" + joinParts(parts)
	}
	if lw := res.livesWithPhrase(); lw != "" {
		parts = append(parts, lw)
	}
	parts = append(parts, res.parentPhrase("父亲", r.Father, &f.father), res.parentPhrase("母亲", r.Mother, &f.mother))
	switch {
	case f.bothIncapable:
		parts = append(parts, "父母双方均无监护能力，不属于留守儿童（应按孤儿或事实无人抚养儿童核查）")
	case f.bothAway == Yes:
		parts = append(parts, "父母双方外出务工"+summaryNote(f.bothAwaySummary, "父母双方同时外出"))
	case f.oneAway == Yes:
		parts = append(parts, "父母一方外出务工、另一方无监护能力"+summaryNote(f.oneAwaySummary, "父母一方外出、另一方无监护能力"))
	case f.bothAway == No && f.oneAway == No:
		parts = append(parts, "既不是父母双方外出务工，也不是一方外出务工、另一方无监护能力"+summaryNote(f.bothAwaySummary || f.oneAwaySummary, "父母外出情况"))
	default:
		parts = append(parts, "父母外出务工情况不全，无法判断")
	}
	return "留守儿童：" + answer.Chinese() + "。" + joinParts(parts)
}

// childPlace names where the parents' work is measured from.
func (res *Result) childPlace() string {
	if res.f.fromHukou {
		return "户籍地（现居住地未填写）"
	}
	return "现居住地"
}

// livesWithPhrase says which parent the child lives with, as far as the record tells.
func (res *Result) livesWithPhrase() string {
	f := &res.f
	switch f.livesWith {
	case "both":
		return "儿童与父母双方共同居住"
	case "father":
		return "儿童与父亲共同居住"
	case "mother":
		return "儿童与母亲共同居住"
	}
	switch res.rec.CoResidents {
	case "one_parent":
		return "儿童与父母一方共同居住（未能确定是父亲还是母亲）"
	case "other_guardian":
		return "儿童与其他监护人共同居住"
	}
	return ""
}

func summaryNote(used bool, item string) string {
	if !used {
		return ""
	}
	return "（父母详细信息不全，依据登记表汇总项“" + item + "”认定）"
}

func (res *Result) keyCareReason() string {
	f := &res.f
	var parts []string
	var present, unknown []string
	for i, t := range f.care[:5] {
		switch t {
		case Yes:
			present = append(present, ReasonLabel(reasonOrder[i]))
		case Undetermined:
			unknown = append(unknown, ReasonLabel(reasonOrder[i]))
		}
	}
	switch res.KeyCare {
	case Yes:
		if f.branch1 == Yes {
			scope := "流动儿童（监测摸排范围）"
			if res.MigrantMonitoring != Yes {
				scope = "留守儿童"
			} else if res.LeftBehind == Yes {
				scope = "流动儿童（监测摸排范围）和留守儿童"
			}
			parts = append(parts, "属于"+scope+"，且存在"+strings.Join(present, "、")+"情形")
		}
		if f.statsHelp == Yes {
			parts = append(parts, "属于跨乡镇（街道）的流动儿童，且主动提出救助帮扶需求")
		}
	case No:
		switch {
		case f.scope1 == No && res.MigrantStatistics == No:
			parts = append(parts, "不属于流动儿童或留守儿童")
		case f.scope1 == No:
			parts = append(parts, "不属于流动儿童（监测摸排范围）或留守儿童，且未主动提出救助帮扶需求")
		default:
			parts = append(parts, "未发现家庭生活困难、自身残疾、监护缺失、流浪、心理和行为异常情形")
			if res.LeftBehind == Yes && res.MigrantStatistics != Yes && f.care[5] == Yes {
				parts = append(parts, "主动提出救助帮扶需求只对跨乡镇（街道）的流动儿童单独纳入台账")
			}
		}
	default:
		switch {
		case f.scope1 == Undetermined && len(present) > 0:
			parts = append(parts, "存在"+strings.Join(present, "、")+"情形，但是否属于流动儿童或留守儿童尚待确定")
		case f.branch1 == Undetermined && len(unknown) > 0:
			parts = append(parts, strings.Join(unknown, "、")+"情况未填写")
		case f.statsHelp == Undetermined && f.care[5] == Undetermined:
			parts = append(parts, "是否主动提出救助帮扶需求未填写")
		default:
			parts = append(parts, "是否属于流动儿童或留守儿童尚待确定")
		}
	}
	return "重点关爱：" + res.KeyCare.Chinese() + "。" + joinParts(parts)
}
