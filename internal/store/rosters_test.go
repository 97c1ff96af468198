package store

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/roster"
)

func rosterID(region, birth, seq string) string {
	first17 := region + birth + seq
	return first17 + string(idcard.CheckDigit(first17))
}

// rosterFixture registers a few children and returns them by a short name.
func rosterFixture(t *testing.T, e *env) map[string]*Child {
	t.Helper()
	yes := true
	base := func(name, id string, birth child.Date, sex string) child.Record {
		return child.Record{Name: name, Sex: sex, BirthDate: birth, IDNumber: id, HukouRegistered: &yes,
			HukouAddress:  &child.Address{RegionCode: "640104", Detail: "某街1号"},
			ResidenceAddr: &child.Address{RegionCode: "150302003", Detail: "某小区2号"},
			CoResidents:   "both_parents",
			Father:        &child.Parent{Name: "王建国"}, Mother: &child.Parent{Name: "刘秀英"}}
	}
	out := map[string]*Child{}
	a := base("王小明", rosterID("640104", "20150310", "123"), child.NewDate(2015, 3, 10), "1")
	a.SchoolName, a.StudyStatus = "乌海市第一小学", "enrolled"
	out["a"] = mustCreate(t, e, a)
	// Twins: the same parents and birth date; only the first one is registered.
	tw := base("王子涵", rosterID("640104", "20180501", "111"), child.NewDate(2018, 5, 1), "1")
	out["twin"] = mustCreate(t, e, tw)
	c := base("李娜", rosterID("150302", "20200105", "224"), child.NewDate(2020, 1, 5), "2")
	c.Father, c.Mother = &child.Parent{Name: "李强"}, &child.Parent{Name: "张丽"}
	c.HukouAddress = &child.Address{RegionCode: "150302003"}
	c.MedicalInsurance = "none"
	out["c"] = mustCreate(t, e, c)
	return out
}

func parseRows(t *testing.T, dept string, header []string, rows ...[]string) []RosterRow {
	t.Helper()
	d, _ := roster.Lookup(dept)
	out := make([]RosterRow, len(rows))
	for i, cells := range rows {
		r := roster.Parse(d, header, cells, roster.ReadOptions{Today: testDay})
		out[i] = RosterRow{Row: i + 2, Record: r.Record, Issues: r.Issues, Cells: cells}
	}
	return out
}

func TestRosterImport(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		idA := rosterID("640104", "20150310", "123")
		header := []string{"学生姓名", "身份证号", "出生日期", "性别", "父亲姓名", "母亲姓名", "学校名称", "年级", "在校状态", "是否住校", "是否随迁子女", "家庭住址"}
		rows := parseRows(t, roster.Education, header,
			// a: by ID number; fills boarding and stage, the school agrees.
			[]string{"王小明", idA, "", "", "", "", "乌海市第一小学", "四年级", "在校", "否", "是", "内蒙古自治区乌海市海勃湾区新华街道"},
			// c: no ID number, found by name, birth date, sex and parents; dropped out (contradiction: none held).
			[]string{"李娜", "", "2020-01-05", "女", "李强", "张丽", "海南区幼儿园", "大班", "在读", "", "", ""},
			// the unregistered twin of "twin": same parents, same day, another given name. Must not link.
			[]string{"王子轩", "", "2018-05-01", "男", "王建国", "刘秀英", "乌海市第一小学", "一年级", "在校", "否", "是", "内蒙古自治区乌海市海勃湾区新华街道"},
			// an unknown child, 15, flagged migrant: a lead.
			[]string{"赵小龙", rosterID("640104", "20100801", "015"), "", "", "", "", "乌海市第二中学", "初三", "在校", "是", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
			// an unknown adult-age pupil: no lead.
			[]string{"孙大海", rosterID("150302", "20080101", "017"), "", "", "", "", "乌海市第一中学", "高三", "在校", "", "是", ""},
			// a rejected row.
			[]string{"钱多多", "150302201501011230", "", "", "", "", "乌海市第一小学", "三年级", "在校", "", "", ""},
		)
		opt := RosterOptions{Department: roster.Education, Roster: "学生名册.xlsx", RosterDate: testDay}
		res, outs, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		want := RosterResult{Batch: res.Batch, Rows: 6, Imported: 5, Updated: 2, Rejected: 1, Review: 1, Unmatched: 2, Leads: 1}
		if res != want {
			t.Errorf("result %+v, want %+v", res, want)
		}
		if outs[0].Outcome != RosterUpdated || outs[0].UID != kids["a"].UID || outs[0].Method != "id" {
			t.Errorf("row a: %+v", outs[0])
		}
		if outs[1].Outcome != RosterUpdated || outs[1].UID != kids["c"].UID {
			t.Errorf("row c: %+v", outs[1])
		}
		if outs[2].Outcome != RosterReview || outs[2].UID != kids["twin"].UID {
			t.Errorf("the twin: %+v, want review (never linked)", outs[2])
		}
		if outs[3].Lead == "" || outs[4].Lead != "" {
			t.Errorf("leads: %q, %q", outs[3].Lead, outs[4].Lead)
		}
		if outs[5].Outcome != RosterRejected || len(outs[5].Errors) == 0 {
			t.Errorf("rejected row: %+v", outs[5])
		}
		a, _ := e.Get(ctx, kids["a"].UID)
		if a.Record.Boarding == nil || *a.Record.Boarding || a.Record.SchoolStage != "primary" || a.Version != 2 {
			t.Errorf("a after roster: %+v v%d", a.Record, a.Version)
		}
		prov, _ := e.Provenance(ctx, kids["a"].UID)
		found := false
		for _, p := range prov {
			if p.Field == "boarding" && p.Source.Kind == SourceRoster && p.Source.Department == roster.Education && p.Source.Row == 2 && p.Source.RosterDate == testDay {
				found = true
			}
		}
		if !found {
			t.Errorf("no roster provenance for boarding: %+v", prov)
		}

		// The same file again changes nothing.
		res2, _, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if res2.Imported != 0 || res2.Updated != 0 || res2.Leads != 0 || res2.Discrepancies != 0 || res2.Rejected != 1 || res2.Unchanged != 2 || res2.Review != 1 {
			t.Errorf("second import %+v, want nothing new", res2)
		}
		if a2, _ := e.Get(ctx, kids["a"].UID); a2.Version != a.Version {
			t.Errorf("second import made version %d", a2.Version)
		}

		// A contradiction: the school now says a dropped out of another school.
		rows3 := parseRows(t, roster.Education, []string{"姓名", "身份证号", "学校", "就读状态"},
			[]string{"王小明", idA, "乌海市第三小学", "辍学"})
		res3, outs3, err := e.ImportRoster(ctx, "clerk", opt, rows3)
		if err != nil {
			t.Fatal(err)
		}
		if res3.Discrepancies != 2 || outs3[0].Outcome != RosterUnchanged {
			t.Errorf("contradiction import %+v %+v", res3, outs3[0])
		}
		if a3, _ := e.Get(ctx, kids["a"].UID); a3.Record.StudyStatus != "enrolled" || a3.Record.SchoolName != "乌海市第一小学" {
			t.Errorf("contradiction overwrote the record: %+v", a3.Record)
		}
		rep, err := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction, Region: "150302"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Total != 2 || len(rep.Items) != 2 || rep.Items[0].Child != kids["a"].UID || rep.ByRegion[0].Code != "150302003" {
			t.Errorf("contradictions %+v", rep)
		}
		fields := []string{rep.Items[0].Field, rep.Items[1].Field}
		slices.Sort(fields)
		if !slices.Equal(fields, []string{"school_name", "study_status"}) || rep.Items[1].Record == "" || rep.Items[1].Roster == "" {
			t.Errorf("contradiction items %+v", rep.Items)
		}
		drop, _ := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscDropout})
		if drop.Total != 1 {
			t.Errorf("dropout report %+v", drop)
		}
		if _, _, err := e.ImportRoster(ctx, "clerk", opt, rows3); err != nil {
			t.Fatal(err)
		}
		if rep2, _ := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction}); rep2.Total != 2 {
			t.Errorf("a repeated contradiction was kept again: %d", rep2.Total)
		}
		if err := e.ResolveDiscrepancy(ctx, "reviewer", rep.Items[0].UID, "已电话核实，学校名称有误"); err != nil {
			t.Fatal(err)
		}
		if err := e.ResolveDiscrepancy(ctx, "reviewer", rep.Items[0].UID, "again"); errCode(err) != CodeConflict {
			t.Errorf("resolving twice: %v", err)
		}

		// Reports that need another department's roster say so.
		noIns, _ := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscNoInsurance})
		if !noIns.NoRoster {
			t.Errorf("no insurance roster yet: %+v", noIns)
		}
		// twin (7) is of compulsory age and in no school roster; a and c are linked.
		noSchool, _ := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscNoSchool})
		if noSchool.Total != 1 || noSchool.Items[0].Child != kids["twin"].UID {
			t.Errorf("no school %+v", noSchool)
		}

		// The reviewer says the twin is another child: it becomes a lead (flagged migrant, 7).
		pairs, err := e.RosterReviews(ctx, RosterReviewQuery{Department: roster.Education})
		if err != nil || len(pairs) != 1 || pairs[0].Candidate.UID != kids["twin"].UID {
			t.Fatalf("pairs %+v %v", pairs, err)
		}
		o, err := e.ReviewRoster(ctx, "reviewer", pairs[0].ID, false)
		if err != nil || o.Outcome != RosterUnmatched || o.Lead == "" {
			t.Fatalf("rejecting the twin: %+v %v", o, err)
		}
		if pairs, _ := e.RosterReviews(ctx, RosterReviewQuery{Department: roster.Education}); len(pairs) != 0 {
			t.Errorf("%d pairs pending after the decision (a re-import must not list the row twice)", len(pairs))
		}

		// Leads.
		leads, err := e.Leads(ctx, LeadQuery{Region: "150302", Status: LeadOpen})
		if err != nil {
			t.Fatal(err)
		}
		if len(leads) != 2 {
			t.Fatalf("%d leads, want 2", len(leads))
		}
		var lead Lead
		for _, l := range leads {
			if l.Record.Name == "赵小龙" {
				lead = l
			}
		}
		if lead.UID == "" || !strings.HasPrefix(lead.RegionCode, "150302003") || !slices.Contains(lead.Reasons, roster.LeadFlagMigrant) {
			t.Errorf("lead %+v", lead)
		}
		if _, err := e.CloseLead(ctx, "director", lead.UID, LeadRegistered, "", ""); errCode(err) != CodeInvalid {
			t.Errorf("registered without a record: %v", err)
		}
		yes := true
		nc := mustCreate(t, e, child.Record{Name: "赵小龙", Sex: "1", BirthDate: child.NewDate(2010, 8, 1), IDNumber: rosterID("640104", "20100801", "015"),
			HukouRegistered: &yes, ResidenceAddr: &child.Address{RegionCode: "150302003"}})
		closed, err := e.CloseLead(ctx, "director", lead.UID, LeadRegistered, nc.UID, "入户走访后登记")
		if err != nil {
			t.Fatal(err)
		}
		if closed.Status != LeadClosed || closed.Child != nc.UID || closed.Note != "入户走访后登记" {
			t.Errorf("closed lead %+v", closed)
		}
		if _, err := e.CloseLead(ctx, "director", lead.UID, LeadNotFound, "", ""); errCode(err) != CodeConflict {
			t.Errorf("closing twice: %v", err)
		}

		// Batches and rejects.
		bs, err := e.RosterBatches(ctx, roster.Education, 10, 0)
		if err != nil || len(bs) != 4 || bs[3].Result.Rows != 6 || bs[3].Status != "done" {
			t.Errorf("batches %+v %v", bs, err)
		}
		rej, err := e.RosterRejects(ctx, res.Batch)
		if err != nil || len(rej) != 1 || rej[0].Row != 7 || rej[0].Cells[0] != "钱多多" || len(rej[0].Errors) == 0 {
			t.Errorf("rejects %+v %v", rej, err)
		}
	})
}

// TestRosterCache imports two rows of one child, with the registry kept decrypted and as on a
// registry too large for that (each linked row reads its child): the second row sees the first
// one's change.
func TestRosterCache(t *testing.T) {
	for _, limit := range []int{rosterCacheMax, 1} {
		old := rosterCacheMax
		rosterCacheMax = limit
		e := openSQLiteEnv(t)
		ctx := opCtx()
		kids := rosterFixture(t, e)
		idA := rosterID("640104", "20150310", "123")
		rows := parseRows(t, roster.Education, []string{"姓名", "身份证号", "是否寄宿"}, []string{"王小明", idA, "是"}, []string{"王小明", idA, "是"})
		res, outs, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Education, Roster: "x.csv"}, rows)
		rosterCacheMax = old
		if err != nil {
			t.Fatal(err)
		}
		if res.Updated != 1 || res.Unchanged != 1 || outs[0].UID != kids["a"].UID || outs[1].UID != kids["a"].UID {
			t.Errorf("cache limit %d: %+v %+v", limit, res, outs)
		}
	}
}

func TestRosterReview(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		kids := rosterFixture(t, e)
		// No ID number, the given name one character off, no parents: the review band or below.
		rows := parseRows(t, roster.Health, []string{"儿童姓名", "性别", "出生日期", "健康管理", "现住址"},
			[]string{"李楠", "女", "2020-01-05", "在居住地接受", "内蒙古自治区乌海市海勃湾区新华街道"})
		opt := RosterOptions{Department: roster.Health, Roster: "健康管理.xlsx", RosterDate: testDay, ReviewBand: 0.0001}
		res, outs, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if res.Review != 1 || outs[0].Outcome != RosterReview || outs[0].UID != kids["c"].UID {
			t.Fatalf("review: %+v %+v", res, outs[0])
		}
		pairs, err := e.RosterReviews(ctx, RosterReviewQuery{Department: roster.Health})
		if err != nil || len(pairs) != 1 {
			t.Fatalf("pairs %+v %v", pairs, err)
		}
		p := pairs[0]
		if p.Candidate == nil || p.Candidate.UID != kids["c"].UID || p.Record.Name != "李楠" || len(p.Fields) == 0 || p.Agreement["birth_date"] != "exact" {
			t.Errorf("pair %+v", p)
		}
		o, err := e.ReviewRoster(ctx, "reviewer", p.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		if o.Outcome != RosterUpdated {
			t.Errorf("accepted: %+v", o)
		}
		c, _ := e.Get(ctx, kids["c"].UID)
		if c.Record.HealthMgmt06 != "received_residence" {
			t.Errorf("health_mgmt_0_6 = %q", c.Record.HealthMgmt06)
		}
		if _, err := e.ReviewRoster(ctx, "reviewer", p.ID, false); errCode(err) != CodeConflict {
			t.Errorf("second decision: %v", err)
		}
		// The same roster again: the decision stands, nothing to review, nothing changes.
		res2, outs2, err := e.ImportRoster(ctx, "clerk", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		if res2.Review != 0 || res2.Updated != 0 || outs2[0].Outcome != RosterUnchanged {
			t.Errorf("re-import after review: %+v %+v", res2, outs2[0])
		}
		if pairs, _ := e.RosterReviews(ctx, RosterReviewQuery{}); len(pairs) != 0 {
			t.Errorf("%d pairs pending after the decision", len(pairs))
		}
	})
}

// TestRosterSealed checks that the roster's personal data are not in the database file.
func TestRosterSealed(t *testing.T) {
	e := openSQLiteEnv(t)
	ctx := opCtx()
	rosterFixture(t, e)
	id := rosterID("640104", "20100801", "015")
	rows := parseRows(t, roster.Disability, []string{"姓名", "身份证号", "残疾人证号", "康复情况", "现住址"},
		[]string{"赵小龙", id, id + "42", "是：在市残联康复中心训练", "内蒙古自治区乌海市海勃湾区新华街道清泉社区幸福路8号"},
		[]string{"钱多多", "150302201501011230", "", "", ""})
	if _, _, err := e.ImportRoster(ctx, "clerk", RosterOptions{Department: roster.Disability, Roster: "残联.xlsx"}, rows); err != nil {
		t.Fatal(err)
	}
	e.Close()
	var all []byte
	matches, _ := filepath.Glob(filepath.Join(e.dir, "data", "guanai.db*"))
	for _, p := range matches {
		b, _ := os.ReadFile(p)
		all = append(all, b...)
	}
	for _, secret := range []string{id, "赵小龙", "钱多多", "150302201501011230", "幸福路8号", "康复中心"} {
		if bytes.Contains(all, []byte(secret)) {
			t.Errorf("%q is stored in plain text", secret)
		}
	}
	if len(all) == 0 {
		t.Fatal("no database file read")
	}
	_ = strings.Contains
}

// TestRosterDepartmentsOnDemoChildren registers synthetic Wuhai children and sends, for every
// department, a roster written as that department would (its own headers, a third of the rows
// without an ID number), holding the facts the records already have: every row must link to its
// own child, change nothing and contradict nothing. Then the facts are altered for some rows:
// each altered fact the record holds is a contradiction, never an overwrite.
func TestRosterDepartmentsOnDemoChildren(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(11, 120)
		kids := make([]*Child, len(recs))
		for i, r := range recs {
			kids[i] = mustCreate(t, e, r)
		}
		yn := func(b *bool) string {
			if b == nil {
				return ""
			}
			if *b {
				return "是"
			}
			return "否"
		}
		label := func(tbl *child.CodeTable, c string) string {
			if c == "" {
				return ""
			}
			return tbl.Label(c)
		}
		for _, tc := range []struct {
			dept   string
			header []string
			cells  func(r *child.Record) []string
			alter  func(cells []string) []string // changes a fact
			field  string
			holds  func(r *child.Record) bool
		}{
			{roster.Education, []string{"学生姓名", "性别", "出生日期", "身份证号码", "学校名称", "学段", "学籍状态", "是否住校"},
				func(r *child.Record) []string {
					return []string{r.Name, label(child.Sex, r.Sex), r.BirthDate.String(), r.IDNumber, r.SchoolName, label(child.SchoolStage, r.SchoolStage), label(child.StudyStatus, r.StudyStatus), yn(r.Boarding)}
				},
				func(c []string) []string {
					c[7] = map[string]string{"是": "否", "否": "是", "": ""}[c[7]]
					return c
				}, "boarding",
				func(r *child.Record) bool { return r.Boarding != nil }},
			{roster.Police, []string{"姓名", "性别", "出生日期", "公民身份号码", "登记类型"},
				func(r *child.Record) []string {
					return []string{r.Name, label(child.Sex, r.Sex), r.BirthDate.String(), r.IDNumber, label(child.ResidenceRegistration, r.ResidenceRegistration)}
				},
				func(c []string) []string {
					c[4] = map[string]string{"办理居住证": "暂住登记", "暂住登记": "办理居住证", "未登记": "办理居住证", "": ""}[c[4]]
					return c
				}, "residence_registration",
				func(r *child.Record) bool { return r.ResidenceRegistration != "" }},
			{roster.Insurance, []string{"参保人姓名", "性别", "出生日期", "身份证号", "纳入医保情况"},
				func(r *child.Record) []string {
					return []string{r.Name, label(child.Sex, r.Sex), r.BirthDate.String(), r.IDNumber, label(child.MedicalInsurance, r.MedicalInsurance)}
				},
				func(c []string) []string {
					c[4] = map[string]string{"未纳入医保": "纳入居住地医保", "纳入居住地医保": "未纳入医保", "纳入户籍地医保": "未纳入医保", "已纳入医保": "未纳入医保", "": ""}[c[4]]
					return c
				}, "medical_insurance",
				func(r *child.Record) bool { return r.MedicalInsurance != "" }},
			{roster.Health, []string{"儿童姓名", "性别", "出生日期", "身份证号", "0-6岁儿童健康管理服务"},
				func(r *child.Record) []string {
					return []string{r.Name, label(child.Sex, r.Sex), r.BirthDate.String(), r.IDNumber, label(child.HealthService, r.HealthMgmt06)}
				},
				func(c []string) []string {
					c[4] = map[string]string{"未接受": "在居住地接受", "在居住地接受": "未接受", "在户籍地接受": "未接受", "已接受": "未接受", "不适用": "未接受", "": ""}[c[4]]
					return c
				}, "health_mgmt_0_6",
				func(r *child.Record) bool { return r.HealthMgmt06 != "" }},
		} {
			t.Run(tc.dept, func(t *testing.T) {
				var rows, altered [][]string
				for i := range recs {
					c := kids[i].Record
					cells := tc.cells(&c)
					if i%3 == 0 {
						cells[3] = "" // no ID number: matched on name, birth date, sex
					}
					rows = append(rows, cells)
					altered = append(altered, tc.alter(slices.Clone(cells)))
				}
				opt := RosterOptions{Department: tc.dept, Roster: tc.dept + ".xlsx", RosterDate: testDay}
				res, outs, err := e.ImportRoster(ctx, "clerk", opt, parseRows(t, tc.dept, tc.header, rows...))
				if err != nil {
					t.Fatal(err)
				}
				for i, o := range outs {
					if o.UID != kids[i].UID || (o.Outcome != RosterUnchanged && o.Outcome != RosterUpdated) {
						t.Errorf("row %d (%s): %+v, want linked to %s", i, kids[i].Record.Name, o, kids[i].UID)
					}
				}
				if res.Discrepancies != 0 || res.Rejected != 0 || res.Leads != 0 {
					t.Errorf("unaltered roster: %+v", res)
				}
				want := 0
				for i := range recs {
					if tc.holds(&kids[i].Record) && altered[i][len(altered[i])-1] != rows[i][len(rows[i])-1] {
						want++
					}
				}
				res2, _, err := e.ImportRoster(ctx, "clerk", opt, parseRows(t, tc.dept, tc.header, altered...))
				if err != nil {
					t.Fatal(err)
				}
				if res2.Discrepancies != want || want == 0 {
					t.Errorf("altered roster: %d contradictions, want %d (%+v)", res2.Discrepancies, want, res2)
				}
				fieldOf := func(r child.Record) any {
					var m map[string]any
					b, _ := json.Marshal(r)
					json.Unmarshal(b, &m)
					return m[tc.field]
				}
				for i := range recs {
					c, err := e.Get(ctx, kids[i].UID)
					if err != nil {
						t.Fatal(err)
					}
					if tc.holds(&kids[i].Record) && fieldOf(c.Record) != fieldOf(kids[i].Record) {
						t.Errorf("%s: %s overwritten: %v → %v", kids[i].UID, tc.field, fieldOf(kids[i].Record), fieldOf(c.Record))
					}
				}
				t.Logf("%s: %d rows linked, %d filled, %d contradictions after altering", tc.dept, len(outs), res.Updated, res2.Discrepancies)
			})
		}
	})
}
