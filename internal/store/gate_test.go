package store

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/campaign"
	"guanai/internal/child"
	"guanai/internal/roster"
	"guanai/internal/stats"
)

// The object-level permission test (docs/security.md, "Who may do what"): every exported method
// of the store that takes a context is either a row of TestObjectPermissions — called by
// principals inside and outside the object's jurisdiction and department and with no principal
// at all — or named in gateExempt with the reason it touches no object. A new method in neither
// fails TestEveryMethodIsGated: a method without a scope is a bug even before a route calls it.

// gateExempt are the context-taking methods that read or change no child, roster, lead,
// discrepancy, review pair, verification list, campaign or export, and why.
var gateExempt = map[string]string{
	"Audit":         "appends an event of the acting principal (anonymous for a failed sign-in) and reads nothing",
	"Ping":          "health check",
	"ProbeWrite":    "health check: a write to the meta table, no object",
	"SchemaVersion": "the schema's number",
	"StatsVersion":  "a counter of writes, no data",
	"UserByName":    "the sign-in flow looks the account up before anyone is signed in (web/session.go)",
	"UpdateUser":    "the sign-in flow and the account's own changes (web/session.go); administrators change accounts through ChangeUser",
	"CountUsers":    "a number, for the first start",
	"StartSession":  "sign-in", "ClaimTOTPStep": "sign-in", "ClaimRecoveryCode": "sign-in", "Session": "sign-in",
	"TouchSession": "sign-in", "EndSession": "sign-out", "EndUserSessions": "the account's own password change",
	"PurgeSessions": "housekeeping of expired sessions",
}

func TestEveryMethodIsGated(t *testing.T) {
	rows := objectRows(nil)
	tested := map[string]bool{}
	for _, r := range rows {
		tested[r.method] = true
	}
	ctxType := reflect.TypeOf((*context.Context)(nil)).Elem()
	st := reflect.TypeOf(&Store{})
	for i := 0; i < st.NumMethod(); i++ {
		m := st.Method(i)
		if m.Type.NumIn() < 2 || m.Type.In(1) != ctxType {
			continue
		}
		_, exempt := gateExempt[m.Name]
		switch {
		case tested[m.Name] && exempt:
			t.Errorf("%s is both tested and exempt", m.Name)
		case !tested[m.Name] && !exempt:
			t.Errorf("Store.%s takes a context but has no row in TestObjectPermissions (objectRows): bound it by the principal and add the row, or say in gateExempt why it touches no object", m.Name)
		}
	}
}

// gateFixture is the objects of district 海勃湾区 (150302) the permission test works on.
type gateFixture struct {
	child, lead, disc, batch, pairBatch, childBatch, verification, campaign, export string
	pair                                                                            int64
}

// principals of the permission test.
var (
	revIn   = principal(auth.RoleReviewer, "150302")                   // civil affairs of the district
	colIn   = principal(auth.RoleCollector, "150302")                  // a collector of the district
	eduIn   = deptPrincipal(auth.RoleOfficer, "150302", "jiaoyu")      // education officer of the district: uploaded the school roster
	polIn   = deptPrincipal(auth.RoleOfficer, "150302", "gongan")      // police officer of the district
	healIn  = deptPrincipal(auth.RoleOfficer, "150302", "weijian")     // health officer of the district
	revOut  = principal(auth.RoleReviewer, "150303")                   // civil affairs of another district
	eduOut  = deptPrincipal(auth.RoleOfficer, "150303", "jiaoyu")      // education officer of another district
	statIn  = deptPrincipal(auth.RoleStatistician, "150302", "tongji") // statistician of the district
	auditor = principal(auth.RoleAuditor, "1503")
)

// objectRow is one store method under test: call answers how many of the fixture's objects the
// principal of ctx got (0 or an error means refused or not found); allowed lists the principals
// that must get them, every other principal of the table must not. Mutating rows run after the
// reading ones, in order, the refused principals first.
type objectRow struct {
	method  string
	call    func(ctx context.Context) (int, error)
	allowed []*auth.Principal
	mutates bool
}

func one[T any](v T, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// moreObjectRows are the rows of the store's other files, each set registered by its own test
// file's init (so that features add rows without touching this file). A set is called with e nil
// (TestEveryMethodIsGated only reads the method names) and with the fixture built, when it may
// make the objects of its own kind in the fixture's district and return rows over them.
var moreObjectRows []func(e *env, f gateFixture) []objectRow

func objectRows(e *env) []objectRow {
	var f gateFixture
	if e != nil {
		f = e.gateFixture
	}
	var more []objectRow
	for _, set := range moreObjectRows {
		more = append(more, set(e, f)...)
	}
	return append(coreObjectRows(e, f), more...)
}

// coreObjectRows are the rows of the registry and the roster workflows.
func coreObjectRows(e *env, f gateFixture) []objectRow {
	q := Query{Limit: 50}
	children := []*auth.Principal{revIn, colIn, eduIn, polIn, healIn} // children's records: every reader in the jurisdiction
	whole := []*auth.Principal{}                                      // the operator and the jobs only
	return []objectRow{
		{method: "Get", call: func(ctx context.Context) (int, error) { return one(e.Get(ctx, f.child)) }, allowed: children},
		{method: "History", call: func(ctx context.Context) (int, error) { return one(e.History(ctx, f.child)) }, allowed: children},
		{method: "HistoryRevealed", call: func(ctx context.Context) (int, error) { return one(e.HistoryRevealed(ctx, f.child)) }, allowed: children},
		{method: "GetVersion", call: func(ctx context.Context) (int, error) { return one(e.GetVersion(ctx, f.child, 1)) }, allowed: children},
		{method: "Provenance", call: func(ctx context.Context) (int, error) { return one(e.Provenance(ctx, f.child)) }, allowed: children},
		{method: "Search", call: func(ctx context.Context) (int, error) { p, err := e.Search(ctx, q); return p.Total, err }, allowed: children},
		{method: "List", call: func(ctx context.Context) (int, error) { p, err := e.List(ctx, q); return len(p.Items), err }, allowed: children},
		{method: "Each", call: func(ctx context.Context) (int, error) {
			n := 0
			err := e.Each(ctx, Query{}, func(c *Child) error {
				// A reader of statistics gets the records without names and numbers.
				if !auth.PrincipalFrom(ctx).Can(auth.PermChildrenRead) && (c.Record.Name != "" || c.Record.IDNumber != "") {
					return errForbidden("a statistics reader got a name or a number")
				}
				n++
				return nil
			})
			return n, err
		}, allowed: append(slices.Clone(children), statIn)},
		{method: "EachSummary", call: func(ctx context.Context) (int, error) {
			n := 0
			return n, e.EachSummary(ctx, Query{}, func(*Summary) error { n++; return nil })
		}, allowed: append(slices.Clone(children), statIn)},
		{method: "EachRecord", call: func(ctx context.Context) (int, error) {
			n := 0
			return n, e.EachRecord(ctx, "", func(*child.Record, string) error { n++; return nil })
		}, allowed: append(slices.Clone(children), statIn)},
		{method: "FindByIDNumber", call: func(ctx context.Context) (int, error) {
			c, err := e.Get(opCtx(), f.child)
			if err != nil {
				return 0, err
			}
			cs, err := e.FindByIDNumber(ctx, c.Record.IDNumber)
			return len(cs), err
		}, allowed: children},
		{method: "DuplicateGroups", call: func(ctx context.Context) (int, error) {
			g, err := e.DuplicateGroups(ctx, DuplicateByID, 10, 0)
			return len(g), err
		}, allowed: children},
		{method: "ReviewQueue", call: func(ctx context.Context) (int, error) {
			items, err := e.ReviewQueue(ctx, ReviewQuery{})
			return len(items), err
		}, allowed: children},
		{method: "DataQuality", call: func(ctx context.Context) (int, error) {
			qu, err := e.DataQuality(ctx, "")
			if err != nil {
				return 0, err
			}
			return int(qu.Total.Records), nil
		}, allowed: append(slices.Clone(children), statIn)},
		{method: "PlainCounts", call: func(ctx context.Context) (int, error) { return countsOf(e.PlainCounts(ctx, "")) },
			allowed: append(slices.Clone(children), statIn)},
		{method: "PlainCountsOf", call: func(ctx context.Context) (int, error) { return countsOf(e.PlainCountsOf(ctx, "", "sex")) },
			allowed: append(slices.Clone(children), statIn)},
		// Batches: its uploader, and civil affairs of the district (any department's).
		{method: "ImportBatch", call: func(ctx context.Context) (int, error) { return one(e.ImportBatch(ctx, f.batch)) },
			allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "ImportRejects", call: func(ctx context.Context) (int, error) {
			rs, err := e.ImportRejects(ctx, f.childBatch)
			return len(rs), err
		}, allowed: []*auth.Principal{colIn}}, // the uploader only
		{method: "RosterBatches", call: func(ctx context.Context) (int, error) {
			bs, err := e.RosterBatches(ctx, "", 50, 0)
			n := 0
			for _, b := range bs {
				if b.UID == f.batch {
					n++
				}
			}
			return n, err
		}, allowed: []*auth.Principal{revIn, eduIn}},
		{method: "RosterRejects", call: func(ctx context.Context) (int, error) {
			rs, err := e.RosterRejects(ctx, f.batch)
			return len(rs), err
		}, allowed: []*auth.Principal{eduIn}},
		{method: "RosterReviews", call: func(ctx context.Context) (int, error) {
			ps, err := e.RosterReviews(ctx, RosterReviewQuery{})
			return len(ps), err
		}, allowed: []*auth.Principal{revIn, healIn}},
		{method: "RosterReviewCount", call: func(ctx context.Context) (int, error) { return e.RosterReviewCount(ctx, RosterReviewQuery{}) },
			allowed: []*auth.Principal{revIn, healIn}},
		{method: "RosterPair", call: func(ctx context.Context) (int, error) { return one(e.RosterPair(ctx, f.pair)) }, allowed: []*auth.Principal{revIn, healIn}},
		{method: "Discrepancies", call: func(ctx context.Context) (int, error) {
			r, err := e.Discrepancies(ctx, DiscrepancyQuery{Kind: DiscContradiction})
			return len(r.Items), err
		}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "DiscrepancySummary", call: func(ctx context.Context) (int, error) {
			rs, err := e.DiscrepancySummary(ctx, "", 0)
			n := 0
			for _, r := range rs {
				if r.Kind == DiscContradiction {
					n += r.Total
				}
			}
			return n, err
		}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "Leads", call: func(ctx context.Context) (int, error) {
			ls, err := e.Leads(ctx, LeadQuery{})
			return len(ls), err
		}, allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "LeadCount", call: func(ctx context.Context) (int, error) { return e.LeadCount(ctx, LeadQuery{}) }, allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "Lead", call: func(ctx context.Context) (int, error) { return one(e.Lead(ctx, f.lead)) }, allowed: []*auth.Principal{revIn, colIn, eduIn}},
		{method: "LeadDraft", call: func(ctx context.Context) (int, error) {
			l, _, err := e.LeadDraft(ctx, f.lead)
			return one(l, err)
		}, allowed: []*auth.Principal{colIn}},
		{method: "Verifications", call: func(ctx context.Context) (int, error) {
			vs, err := e.Verifications(ctx, "")
			return len(vs), err
		}, allowed: []*auth.Principal{revIn, eduIn}},
		{method: "Verification", call: func(ctx context.Context) (int, error) { return one(e.Verification(ctx, f.verification)) }, allowed: []*auth.Principal{revIn, eduIn}},
		{method: "VerificationSheet", call: func(ctx context.Context) (int, error) {
			v, _, err := e.VerificationSheet(ctx, f.verification)
			return one(v, err)
		}, allowed: []*auth.Principal{revIn}},
		{method: "Campaigns", call: func(ctx context.Context) (int, error) {
			cs, err := e.Campaigns(ctx)
			return len(cs), err
		}, allowed: []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}},
		{method: "GetCampaign", call: func(ctx context.Context) (int, error) { return one(e.GetCampaign(ctx, f.campaign)) },
			allowed: []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}},
		{method: "CampaignProgressOf", call: func(ctx context.Context) (int, error) { return one(e.CampaignProgressOf(ctx, f.campaign, testDay)) },
			allowed: []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}},
		{method: "ExportRequests", call: func(ctx context.Context) (int, error) {
			xs, err := e.ExportRequests(ctx)
			return len(xs), err
		}, allowed: []*auth.Principal{revIn, colIn}},
		{method: "Snapshot", call: func(ctx context.Context) (int, error) { return one(e.Snapshot(ctx, "2025-05", "150302", false)) },
			allowed: append(slices.Clone(children), statIn)},
		{method: "Snapshots", call: func(ctx context.Context) (int, error) {
			rs, err := e.Snapshots(ctx, "150302", "", "", false)
			return len(rs), err
		}, allowed: append(slices.Clone(children), statIn)},
		{method: "SnapshotMonths", call: func(ctx context.Context) (int, error) {
			ms, err := e.SnapshotMonths(ctx)
			return len(ms), err
		}, allowed: append(slices.Clone(children), statIn, revOut, eduOut)}, // the months, not the figures
		{method: "AuditEntries", call: func(ctx context.Context) (int, error) {
			p, err := e.AuditEntries(ctx, AuditQuery{Limit: 1})
			return len(p.Items), err
		}, allowed: []*auth.Principal{auditor}},
		{method: "VerifyAudit", call: func(ctx context.Context) (int, error) {
			r, err := e.VerifyAudit(ctx)
			return int(r.Entries), err
		}, allowed: []*auth.Principal{auditor}},
		{method: "Users", call: func(ctx context.Context) (int, error) {
			us, err := e.Users(ctx)
			return len(us), err
		}, allowed: whole},
		{method: "Reclassify", call: func(ctx context.Context) (int, error) { return one(e.Reclassify(ctx, testDay)) }, allowed: whole},
		{method: "ReclassifyAll", call: func(ctx context.Context) (int, error) { return one(e.ReclassifyAll(ctx, testDay)) }, allowed: whole},
		{method: "RecoverBatches", call: func(ctx context.Context) (int, error) { return one(e.RecoverBatches(ctx)) }, allowed: whole},
		{method: "AuditAnchor", call: func(ctx context.Context) (int, error) { return one(e.AuditAnchor(ctx)) }, allowed: whole},

		// Changes: the refused principals first, then one allowed principal does it.
		{method: "Update", mutates: true, call: func(ctx context.Context) (int, error) {
			c, err := e.Get(opCtx(), f.child)
			if err != nil {
				return 0, err
			}
			r := c.Record
			r.Boarding = child.Bool(c.Record.Boarding == nil || !*c.Record.Boarding)
			return one(e.Update(ctx, "", f.child, c.Version, r, Source{}))
		}, allowed: []*auth.Principal{colIn, revIn}},
		{method: "Transition", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.Transition(ctx, "", f.child, StatusSubmitted, ""))
		}, allowed: []*auth.Principal{colIn, revIn}},
		{method: "ResolveReview", mutates: true, call: func(ctx context.Context) (int, error) {
			items, err := e.ReviewQueue(opCtx(), ReviewQuery{Open: true})
			if err != nil || len(items) == 0 {
				return 0, err
			}
			return one(0, e.ResolveReview(ctx, "", items[0].ID, "已核实"))
		}, allowed: []*auth.Principal{revIn}},
		// Review pairs: civil affairs and the roster's department, in the candidate's district.
		{method: "ReviewRoster", mutates: true, call: func(ctx context.Context) (int, error) { return one(e.ReviewRoster(ctx, "", f.pair, false)) },
			allowed: []*auth.Principal{revIn, healIn}},
		{method: "AcceptRosterReviews", mutates: true, call: func(ctx context.Context) (int, error) {
			r, err := e.AcceptRosterReviews(ctx, "", RosterReviewQuery{MinScore: 0.0001})
			return r.Accepted, err
		}, allowed: []*auth.Principal{revIn, healIn}},
		// Discrepancies and leads are worked by civil affairs in the district (leads.work).
		{method: "ResolveDiscrepancy", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(0, e.ResolveDiscrepancy(ctx, "", f.disc, "已核实"))
		}, allowed: []*auth.Principal{revIn, colIn}},
		{method: "CloseLead", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.CloseLead(ctx, "", f.lead, LeadNotFound, "", ""))
		}, allowed: []*auth.Principal{colIn, revIn}},
		{method: "DecideExport", mutates: true, call: func(ctx context.Context) (int, error) { return one(e.DecideExport(ctx, f.export, true, "")) },
			allowed: []*auth.Principal{revIn}},
		{method: "DownloadExport", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(0, e.DownloadExport(ctx, f.export, func(*ExportRequest, func(func(*Child) error) error) error { return nil }))
		}, allowed: []*auth.Principal{colIn}},
		{method: "RequestExport", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.RequestExport(ctx, ExportCriteria{Region: "150302"}, "核对信息"))
		}, allowed: children},
		{method: "CreateVerification", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.CreateVerification(ctx, "", VerificationSpec{Department: roster.Insurance, Region: "150302"}))
		}, allowed: []*auth.Principal{revIn}},
		{method: "CreateCampaign", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.CreateCampaign(ctx, "", campaign.Campaign{Name: "复查", Region: "150302", StartsOn: testDay, Deadlines: deadlinesOf(testDay)}))
		}, allowed: []*auth.Principal{revIn}},
		{method: "PutSnapshot", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(0, e.PutSnapshot(ctx, stats.SnapshotRow{Month: "2025-04", Region: "150302", AsOf: testDay, Data: []byte("{}")}))
		}, allowed: whole},
		{method: "Create", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.Create(ctx, "", plainChild("刘小红", "2", child.NewDate(2017, 4, 4), "150302003"), Source{}))
		}, allowed: []*auth.Principal{colIn}},
		// Imports are not of the district: any account that imports may start one (each row is
		// then bounded by its jurisdiction); a roster only by its department or civil affairs.
		{method: "BeginImport", mutates: true, call: func(ctx context.Context) (int, error) { return one(e.BeginImport(ctx, "", ImportOptions{})) },
			allowed: []*auth.Principal{revIn, colIn, revOut}},
		{method: "ImportRows", mutates: true, call: func(ctx context.Context) (int, error) {
			r, _, err := e.ImportRows(ctx, "", ImportOptions{}, nil)
			return one(r, err)
		}, allowed: []*auth.Principal{revIn, colIn, revOut}},
		{method: "ImportRoster", mutates: true, call: func(ctx context.Context) (int, error) {
			r, _, err := e.ImportRoster(ctx, "", RosterOptions{Department: roster.Police, Roster: "p.csv"}, nil)
			return one(r, err)
		}, allowed: []*auth.Principal{revIn, polIn, revOut}},
		{method: "ImportRosterFrom", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(e.ImportRosterFrom(ctx, "", RosterOptions{Department: roster.Police, Roster: "p.csv"}, &rowsSource{}, nil))
		}, allowed: []*auth.Principal{revIn, polIn, revOut}},
		{method: "CreateUser", mutates: true, call: func(ctx context.Context) (int, error) {
			return one(0, e.CreateUser(ctx, &auth.User{Username: "u" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""),
				Roles: []string{auth.RoleCollector}, Department: "minzheng", OrgCode: "150302", PasswordHash: auth.HashPassword("Abcdef12!")}))
		}, allowed: whole},
		{method: "ReanchorAudit", mutates: true, call: func(ctx context.Context) (int, error) {
			// Without an anchor configured (the test stores have none) the operator is told so.
			_, err := e.ReanchorAudit(ctx)
			if err != nil && auth.PrincipalFrom(ctx).Whole() && errCode(err) == CodeInvalid {
				return 1, nil
			}
			return 0, err
		}, allowed: whole},
		{method: "RotateKey", mutates: true, call: func(ctx context.Context) (int, error) { return one(e.RotateKey(ctx)) }, allowed: whole},
		{method: "Reseal", mutates: true, call: func(ctx context.Context) (int, error) { return one(e.Reseal(ctx, 100, nil)) }, allowed: whole},
	}
}

func countsOf(m map[string]map[string][4]int64, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	n := int64(0)
	for _, t := range m {
		for _, v := range t {
			n += v[0] + v[1] + v[2]
		}
	}
	return int(n), nil
}

func deadlinesOf(d child.Date) []campaign.Deadline {
	var out []campaign.Deadline
	for i, p := range campaign.PhaseKeys {
		out = append(out, campaign.Deadline{Phase: p, Deadline: d.AddDays(30 * (i + 1))})
	}
	return out
}

// buildGateFixture makes one object of each kind in 海勃湾区.
func buildGateFixture(t *testing.T, e *env) gateFixture {
	t.Helper()
	op := opCtx()
	var f gateFixture
	kids := rosterFixture(t, e)
	f.child = kids["a"].UID
	// A second record with a's ID number (a duplicate registered on purpose), and a migrant child
	// about to turn 16 (the re-evaluation queues it).
	dup := kids["a"].Record
	dup.SchoolName = "乌海市第二小学"
	if _, err := e.Create(op, "", dup, Source{AllowDuplicate: true}); err != nil {
		t.Fatal(err)
	}
	old := plainChild("周小北", "1", child.NewDate(2009, 8, 1), "150302003")
	old.HukouAddress, old.LeftHukouDate = &child.Address{RegionCode: "640104"}, child.NewDate(2020, 1, 1)
	if _, err := e.Create(op, "", old, Source{}); err != nil {
		t.Fatal(err)
	}
	young := plainChild("周小南", "2", child.NewDate(2016, 8, 1), "150302003")
	young.HukouAddress, young.LeftHukouDate = &child.Address{RegionCode: "640104"}, child.NewDate(2020, 1, 1)
	if _, err := e.Create(op, "", young, Source{}); err != nil {
		t.Fatal(err)
	}
	// A collector's import of registration forms with a rejected row.
	col := auth.WithPrincipal(op, colIn)
	bad := plainChild("钱多", "1", child.NewDate(2016, 2, 2), "150302003")
	cres, _, err := e.ImportRows(col, "", ImportOptions{}, []ImportRow{{Row: 2, Record: plainChild("孙小南", "2", child.NewDate(2016, 3, 3), "150302003")},
		{Row: 3, Record: bad, Issues: child.Issues{Errors: []child.Issue{{Field: "id_number", Code: "checksum", Message: "校验码错误"}}}, Cells: []string{"钱多"}}})
	if err != nil || cres.Rejected != 1 {
		t.Fatalf("children import: %+v %v", cres, err)
	}
	f.childBatch = cres.Batch
	admin := &auth.User{Username: "sys", Name: "系统管理员", Roles: []string{auth.RoleSysAdmin}, Department: "minzheng", OrgCode: "1503",
		PasswordHash: auth.HashPassword("Abcdef12!")}
	if err := e.CreateUser(op, admin); err != nil {
		t.Fatal(err)
	}
	// The school roster of the district's education officer: a contradiction for "a"
	// (dropped out), a lead, a rejected row.
	edu := auth.WithPrincipal(op, eduIn)
	header := []string{"学生姓名", "身份证号", "出生日期", "性别", "学校名称", "年级", "在校状态", "是否随迁子女", "家庭住址"}
	rows := parseRows(t, roster.Education, header,
		[]string{"王小明", rosterID("640104", "20150310", "123"), "", "", "乌海市第一小学", "四年级", "辍学", "是", ""},
		[]string{"赵小龙", rosterID("640104", "20100801", "015"), "", "", "乌海市第二中学", "初三", "在校", "是", "内蒙古自治区乌海市海勃湾区新华街道清泉社区"},
		[]string{"钱多多", "150302201501011230", "", "", "乌海市第一小学", "四年级", "在校", "否", ""})
	res, _, err := e.ImportRoster(edu, "", RosterOptions{Department: roster.Education, Roster: "学生名册.xlsx", RosterDate: testDay}, rows)
	if err != nil || res.Discrepancies != 1 || res.Leads != 1 || res.Rejected != 1 {
		t.Fatalf("school roster: %+v %v", res, err)
	}
	f.batch = res.Batch
	// The health roster, uploaded by civil affairs for the health department: two near misses
	// that wait for review.
	health := parseRows(t, roster.Health, []string{"儿童姓名", "性别", "出生日期", "健康管理", "现住址"},
		[]string{"李楠", "女", "2020-01-05", "在居住地接受", "内蒙古自治区乌海市海勃湾区新华街道"},
		[]string{"王大明", "男", "2015-03-10", "在居住地接受", "内蒙古自治区乌海市海勃湾区新华街道"})
	hres, _, err := e.ImportRoster(auth.WithPrincipal(op, revIn), "", RosterOptions{Department: roster.Health, Roster: "健康管理.xlsx", RosterDate: testDay,
		ReviewBand: 0.0001}, health)
	if err != nil || hres.Review != 2 {
		t.Fatalf("health roster: %+v %v", hres, err)
	}
	f.pairBatch = hres.Batch
	pairs, err := e.RosterReviews(op, RosterReviewQuery{Department: roster.Health})
	if err != nil || len(pairs) != 2 {
		t.Fatalf("pairs: %d %v", len(pairs), err)
	}
	f.pair = pairs[0].ID
	disc, err := e.Discrepancies(op, DiscrepancyQuery{Kind: DiscContradiction})
	if err != nil || len(disc.Items) != 1 {
		t.Fatalf("discrepancies: %+v %v", disc, err)
	}
	f.disc = disc.Items[0].UID
	ls, err := e.Leads(op, LeadQuery{})
	if err != nil || len(ls) != 1 {
		t.Fatalf("leads: %d %v", len(ls), err)
	}
	f.lead = ls[0].UID
	v, err := e.CreateVerification(auth.WithPrincipal(op, revIn), "", VerificationSpec{Department: roster.Education, Region: "150302"})
	if err != nil {
		t.Fatal(err)
	}
	f.verification = v.UID
	c, err := e.CreateCampaign(auth.WithPrincipal(op, revIn), "", campaign.Campaign{Name: "2025年摸排", Region: "150302", StartsOn: testDay, Deadlines: deadlinesOf(testDay)})
	if err != nil {
		t.Fatal(err)
	}
	f.campaign = c.UID
	x, err := e.RequestExport(auth.WithPrincipal(op, colIn), ExportCriteria{Region: "150302"}, "入户核对")
	if err != nil {
		t.Fatal(err)
	}
	f.export = x.UID
	if err := e.PutSnapshot(auth.WithPrincipal(op, auth.System("test")), stats.SnapshotRow{Month: "2025-05", Region: "150302", AsOf: testDay, Records: 3, Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	// A record that changed its answers waits in the re-evaluation queue.
	e.clock.set(noonOf(testDay.AddDays(400)))
	if _, err := e.Reclassify(auth.WithPrincipal(op, auth.System("test")), testDay.AddDays(400)); err != nil {
		t.Fatal(err)
	}
	e.clock.set(noonOf(testDay))
	return f
}

// TestObjectPermissions calls every store method that touches an object of the fixture as each
// principal: those in the row's allowed list get the object, every other principal of the table
// gets nothing (an error, or no object), a context without a principal is refused, and the
// operator of the command line gets it.
func TestObjectPermissions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.gateFixture = buildGateFixture(t, e)
		everyone := []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, revOut, eduOut, statIn, auditor}
		name := func(p *auth.Principal) string { return p.Actor() }
		rows := objectRows(e)
		slices.SortStableFunc(rows, func(a, b objectRow) int {
			switch {
			case a.mutates == b.mutates:
				return 0
			case a.mutates:
				return 1
			}
			return -1
		})
		for _, r := range rows {
			t.Run(r.method, func(t *testing.T) {
				if n, err := r.call(context.Background()); err == nil || n > 0 || errCode(err) != CodeForbidden {
					t.Errorf("no principal: got %d objects, %v; want forbidden", n, err)
				}
				for _, p := range everyone {
					if slices.Contains(r.allowed, p) {
						continue
					}
					n, err := r.call(auth.WithPrincipal(context.Background(), p))
					if err == nil && n > 0 {
						t.Errorf("%s got %d objects, want none", name(p), n)
					}
					if err != nil && errCode(err) != CodeForbidden && errCode(err) != CodeNotFound && errCode(err) != CodeInvalid {
						t.Errorf("%s: %v, want forbidden or not found", name(p), err)
					}
				}
				allowed := r.allowed
				if r.mutates && len(allowed) > 1 {
					allowed = allowed[:1]
				}
				if len(allowed) == 0 {
					allowed = []*auth.Principal{auth.Operator("gate")}
				}
				for _, p := range allowed {
					if n, err := r.call(auth.WithPrincipal(context.Background(), p)); err != nil || n == 0 {
						t.Errorf("%s: got %d objects, %v; want the fixture's", name(p), n, err)
					}
				}
			})
		}
		// Every change above is in the trail under its principal.
		page, err := e.AuditEntries(opCtx(), AuditQuery{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, it := range page.Items {
			seen[it.Action+" "+it.Actor] = true
		}
		for _, want := range []string{audit.RosterDecide + " " + revIn.Actor(), audit.DiscrepancyResolve + " " + revIn.Actor(),
			audit.LeadClose + " " + colIn.Actor(), audit.CampaignCreate + " " + revIn.Actor(), audit.ImportBegin + " " + eduIn.Actor(),
			audit.ImportChunk + " " + eduIn.Actor(), audit.ImportRejectsRead + " " + eduIn.Actor(), audit.ReviewResolve + " " + revIn.Actor()} {
			if !seen[want] {
				t.Errorf("no audit entry %q", want)
			}
		}
	})
}

// TestImportAuditsChunksAndRecovers is finding 4: a children import killed half-way (kill -9)
// left thousands of records without an audit entry and its batch running for ever. Now each
// committed chunk is audited with the records it created, and the batch of a process that died is
// marked failed, audited, once its heartbeat is older than batchStale.
func TestImportAuditsChunksAndRecovers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := as("importer")
		im, err := e.BeginImport(ctx, "", ImportOptions{BatchSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.Add(ctx, rowsOf(demoChildren(77, 250))); err != nil {
			t.Fatal(err)
		}
		// The process dies here: no Finish, no Fail.
		page, err := e.AuditEntries(opCtx(), AuditQuery{Action: audit.ImportChunk, Object: "import:" + im.UID(), Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		created := map[string]bool{}
		for _, it := range page.Items {
			var d struct {
				Created []string `json:"created"`
			}
			if err := json.Unmarshal(it.Detail, &d); err != nil {
				t.Fatal(err)
			}
			for _, u := range d.Created {
				created[u] = true
			}
		}
		p, err := e.Search(opCtx(), Query{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 3 || len(created) != p.Total || p.Total != 250 {
			t.Errorf("%d chunk entries naming %d records, %d records stored; want 3 entries naming every one of 250", len(page.Items), len(created), p.Total)
		}

		system := auth.WithPrincipal(context.Background(), auth.System("housekeeping"))
		if n, err := e.RecoverBatches(system); err != nil || n != 0 {
			t.Fatalf("recover while the heartbeat is fresh: %d %v, want 0", n, err)
		}
		e.clock.set(noonOf(testDay).Add(batchStale + time.Minute))
		if _, err := e.RecoverBatches(as("x")); err != nil {
			t.Errorf("the operator may recover: %v", err)
		}
		if _, err := e.RecoverBatches(auth.WithPrincipal(context.Background(), revIn)); errCode(err) != CodeForbidden {
			t.Errorf("a user recovers batches: %v, want forbidden", err)
		}
		b, err := e.ImportBatch(opCtx(), im.UID())
		if err != nil || b.Status != "failed" {
			t.Fatalf("batch after recovery: %+v %v, want failed", b, err)
		}
		rec, err := e.AuditEntries(opCtx(), AuditQuery{Action: audit.ImportRecovered, Object: "import:" + im.UID()})
		if err != nil || len(rec.Items) != 1 {
			t.Errorf("recovery entries %d %v, want 1", len(rec.Items), err)
		}
		if n, err := e.RecoverBatches(system); err != nil || n != 0 {
			t.Errorf("second recovery: %d %v, want 0", n, err)
		}
	})
}
