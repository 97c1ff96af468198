package web

import (
	"io"
	"net/http"

	"guanai/internal/child"
	"guanai/internal/rules"
)

// Classification is the answer of the rules for one record, as the API shows it (the same keys
// as a line of guanai classify).
type Classification struct {
	Valid             bool          `json:"valid"`
	Errors            []child.Issue `json:"errors"`
	Warnings          []child.Issue `json:"warnings"`
	Age               *int          `json:"age"`
	MigrantMonitoring string        `json:"migrant_monitoring"`
	MigrantStatistics string        `json:"migrant_statistics"`
	LeftBehind        string        `json:"left_behind"`
	KeyCare           string        `json:"key_care"`
	KeyCareReasons    []string      `json:"key_care_reasons"`
	Reasons           []string      `json:"reasons"`
	Missing           []string      `json:"missing"`
	AsOf              string        `json:"as_of"`
	RuleVersion       string        `json:"rule_version"`
}

// NewClassification combines validation findings and the rules' answer.
func NewClassification(is *child.Issues, res *rules.Result) Classification {
	c := Classification{
		Valid:             is.Valid(),
		Errors:            nonNil(is.Errors),
		Warnings:          nonNil(append(append([]child.Issue(nil), is.Warnings...), res.Warnings...)),
		MigrantMonitoring: res.MigrantMonitoring.String(),
		MigrantStatistics: res.MigrantStatistics.String(),
		LeftBehind:        res.LeftBehind.String(),
		KeyCare:           res.KeyCare.String(),
		KeyCareReasons:    res.KeyCareReasons,
		Reasons:           res.Reasons(),
		Missing:           res.Missing(),
		AsOf:              res.AsOf.String(),
		RuleVersion:       res.Version,
	}
	if res.Age >= 0 {
		age := res.Age
		c.Age = &age
	}
	return c
}

func nonNil(is []child.Issue) []child.Issue {
	if is == nil {
		return []child.Issue{}
	}
	return is
}

// classify previews the classification of a record that is not stored: the registration form
// calls it as the collector types. ?as_of=YYYY-MM-DD sets the reference date (default today).
func (s *Server) classify(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.fail(w, r, &Error{Code: "too_large", Message: "请求内容过大"})
		return
	}
	today := s.Today()
	asOf := today
	if q := r.URL.Query().Get("as_of"); q != "" {
		d, _, err := child.ParseDate(q)
		if err != nil {
			s.fail(w, r, &Error{Code: "bad_request", Message: "as_of “" + q + "”不是有效的日期"})
			return
		}
		asOf = d
	}
	rec, is := child.Decode(body, child.Options{Today: today, Regions: s.Regions})
	res := rules.Classify(&rec, asOf, &s.Rules)
	writeJSON(w, http.StatusOK, map[string]any{"record": rec, "classification": NewClassification(&is, &res)})
}
