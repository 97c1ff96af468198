package rules

import (
	"slices"
	"strconv"

	"guanai/internal/child"
)

// Change is a date on which a child's answers change by time alone: a birthday, six months away
// reached, a parent's work-away threshold reached.
type Change struct {
	Date child.Date `json:"date"`
	// Event names what happens (满16周岁, 离开户籍地满6个月, 父亲外出务工满6个月).
	Event string `json:"event"`
	// Effect says what it does to the answers, "" when none changes.
	Effect string `json:"effect"`
	// Text is the sentence the child's page shows: "2026-05-11 满16周岁，届时不再属于监测范围".
	Text string `json:"text"`
}

// Upcoming lists the changes after asOf up to and including until, in date order: each event
// with the answers it moves, found by classifying on the day before and on the day itself.
func Upcoming(r *child.Record, asOf, until child.Date, cfg *Config) []Change {
	type ev struct {
		d     child.Date
		event string
	}
	var evs []ev
	add := func(d child.Date, event string) {
		if d > asOf && d <= until {
			evs = append(evs, ev{d, event})
		}
	}
	limit := strconv.Itoa(cfg.AgeLimit)
	if b := r.BirthDate; b != 0 && b <= asOf {
		add(b.AddYears(cfg.AgeLimit).AddDays(1), "满"+limit+"周岁")
	}
	away, from := r.LeftHukouDate, "离开户籍地"
	if away == 0 {
		away, from = r.ArrivedDate, "来现居住地"
	}
	if away != 0 {
		add(away.AddMonths(cfg.MigrantMonths), from+"满"+strconv.Itoa(cfg.MigrantMonths)+"个月")
	}
	for _, p := range [...]struct {
		role string
		p    *child.Parent
	}{{"父亲", r.Father}, {"母亲", r.Mother}} {
		if p.p != nil && p.p.WorkSince != 0 && p.p.MigrantWorker != nil && *p.p.MigrantWorker {
			add(p.p.WorkSince.AddMonths(cfg.LeftBehindMonths), p.role+"外出务工满"+strconv.Itoa(cfg.LeftBehindMonths)+"个月")
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return int(a.d) - int(b.d) })
	out := []Change{}
	for _, e := range evs {
		before := Classify(r, e.d.AddDays(-1), cfg)
		after := Classify(r, e.d, cfg)
		effect := effectOf(&before, &after)
		c := Change{Date: e.d, Event: e.event, Effect: effect, Text: e.d.String() + " " + e.event}
		if effect != "" {
			c.Text += "，届时" + effect
		}
		out = append(out, c)
	}
	return out
}

// effectOf says in Chinese how the answers move from before to after.
func effectOf(before, after *Result) string {
	was := before.MigrantMonitoring == Yes || before.MigrantStatistics == Yes || before.LeftBehind == Yes
	is := after.MigrantMonitoring == Yes || after.MigrantStatistics == Yes || after.LeftBehind == Yes
	if was && !is && after.f.under == No {
		return "不再属于监测范围"
	}
	var parts []string
	for _, a := range [...]struct {
		label string
		b, n  Tri
	}{
		{"流动儿童（监测摸排范围）", before.MigrantMonitoring, after.MigrantMonitoring},
		{"流动儿童（统计分析范围）", before.MigrantStatistics, after.MigrantStatistics},
		{"留守儿童", before.LeftBehind, after.LeftBehind},
		{"重点关爱服务对象", before.KeyCare, after.KeyCare},
	} {
		switch {
		case a.b == a.n:
		case a.n == Yes:
			parts = append(parts, "属于"+a.label)
		case a.b == Yes:
			parts = append(parts, "不再属于"+a.label)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	s := parts[0]
	for _, p := range parts[1:] {
		s += "、" + p
	}
	return s
}
