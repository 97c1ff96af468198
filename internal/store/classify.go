package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"guanai/internal/child"
	"guanai/internal/rules"
)

// Classification is the stored answer of rules.Classify for a record, as of AsOf.
type Classification struct {
	AsOf        child.Date // the date the answers were computed for (classified_on)
	RuleVersion string

	Age               int    // full years on AsOf; -1 when unknown
	MigrantMonitoring string // yes, no or undetermined — 流动儿童（监测摸排范围）
	MigrantStatistics string // 流动儿童（统计分析范围）
	LeftBehind        string // 留守儿童
	KeyCare           string // 重点关爱服务对象
	KeyCareReasons    []string
	// Reasons are the Chinese explanations as of AsOf; Missing the items whose absence leaves an
	// answer undetermined; Warnings the data-quality findings of the rules.
	Reasons  []string
	Missing  []string
	Warnings []child.Issue

	// nextCheck is the first date after AsOf on which an answer, the age or a warning can change
	// by the passing of time alone (0 when never): Reclassify looks only at records whose date
	// has come.
	nextCheck child.Date
}

// InScope reports whether the child is a work object: a migrant child (either scope) or a
// left-behind child. Leaving or entering the scope queues the record for review.
func (c *Classification) InScope() bool {
	return c.MigrantMonitoring == "yes" || c.MigrantStatistics == "yes" || c.LeftBehind == "yes"
}

// sameAnswers reports whether two classifications agree on everything but the date and the
// wording of the reasons (which name the date).
func (c *Classification) sameAnswers(o *Classification) bool {
	return c.Age == o.Age && c.MigrantMonitoring == o.MigrantMonitoring &&
		c.MigrantStatistics == o.MigrantStatistics && c.LeftBehind == o.LeftBehind &&
		c.KeyCare == o.KeyCare && slices.Equal(c.KeyCareReasons, o.KeyCareReasons) &&
		slices.Equal(c.Missing, o.Missing) && slices.Equal(warningCodes(c.Warnings), warningCodes(o.Warnings)) &&
		c.RuleVersion == o.RuleVersion
}

func warningCodes(ws []child.Issue) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Field + ":" + w.Code
	}
	return out
}

// classify applies the rules as of asOf.
func (s *Store) classify(r *child.Record, asOf child.Date) Classification {
	res := rules.Classify(r, asOf, &s.rules)
	c := Classification{
		AsOf:              asOf,
		RuleVersion:       res.Version,
		Age:               res.Age,
		MigrantMonitoring: res.MigrantMonitoring.String(),
		MigrantStatistics: res.MigrantStatistics.String(),
		LeftBehind:        res.LeftBehind.String(),
		KeyCare:           res.KeyCare.String(),
		KeyCareReasons:    res.KeyCareReasons,
		Reasons:           res.Reasons(),
		Missing:           res.Missing(),
		Warnings:          res.Warnings,
	}
	if c.KeyCareReasons == nil {
		c.KeyCareReasons = []string{}
	}
	if c.Missing == nil {
		c.Missing = []string{}
	}
	if c.Warnings == nil {
		c.Warnings = []child.Issue{}
	}
	c.nextCheck = nextCheck(r, asOf, res.Age, &s.rules)
	return c
}

// nextCheck returns the first date after asOf on which rules.Classify can answer differently for
// r with nothing but the date changed: the day the age in full years goes up (which also covers
// the age limit and the age-dependent warnings), the day after 36 months of age (TCM health
// management), the day the time away from the hukou place and each parent's time working away
// reach their thresholds. 0 when none lies ahead.
func nextCheck(r *child.Record, asOf child.Date, age int, cfg *rules.Config) child.Date {
	next := child.Date(0)
	consider := func(d child.Date) {
		if d > asOf && (next == 0 || d < next) {
			next = d
		}
	}
	if b := r.BirthDate; b != 0 {
		if asOf < b {
			consider(b)
		} else {
			consider(b.AddYears(age + 1).AddDays(1))
		}
		consider(b.AddMonths(36).AddDays(1))
	}
	away := r.LeftHukouDate
	if away == 0 {
		away = r.ArrivedDate
	}
	if away != 0 {
		consider(away.AddMonths(cfg.MigrantMonths))
	}
	for _, p := range [...]*child.Parent{r.Father, r.Mother} {
		if p != nil && p.WorkSince != 0 {
			consider(p.WorkSince.AddMonths(cfg.LeftBehindMonths))
		}
	}
	return next
}

// ruleFingerprint names the rules and their configuration; a record classified under another
// fingerprint is classified again by Reclassify whatever its next-check date.
func ruleFingerprint(cfg *rules.Config) string {
	groups := make([]string, 0, len(cfg.CentralUrban))
	for _, g := range cfg.CentralUrban {
		g = slices.Clone(g)
		slices.Sort(g)
		groups = append(groups, strings.Join(g, "+"))
	}
	slices.Sort(groups)
	s := fmt.Sprintf("%s|age=%d|migrant=%d|left=%d|central=%s", rules.Version, cfg.AgeLimit, cfg.MigrantMonths, cfg.LeftBehindMonths, strings.Join(groups, ";"))
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}

// classificationValues are the stored columns of a classification, in the order of
// classificationColumns.
var classificationColumns = []string{
	"migrant_monitoring", "migrant_statistics", "left_behind", "key_care", "key_care_reasons",
	"age", "reasons", "missing", "warnings", "rule_version", "rule_config", "classified_on", "next_check",
}

func (s *Store) classificationValues(c *Classification, out []any) []any {
	var age any
	if c.Age >= 0 {
		age = int64(c.Age)
	}
	reasons := ""
	if len(c.KeyCareReasons) > 0 {
		reasons = "," + strings.Join(c.KeyCareReasons, ",") + ","
	}
	return append(out, c.MigrantMonitoring, c.MigrantStatistics, c.LeftBehind, c.KeyCare, reasons,
		age, jsonText(c.Reasons), jsonText(c.Missing), jsonText(c.Warnings), c.RuleVersion, s.ruleConfig,
		int64(c.AsOf), date(c.nextCheck))
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("store: marshal " + err.Error()) // slices of strings and issues always marshal
	}
	return string(b)
}
