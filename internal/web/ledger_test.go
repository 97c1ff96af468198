package web

import (
	"strconv"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

func init() {
	// The matrix's child inside is no key-care child: the routes about one answer 404 to the
	// roles that may call them, as they do for a child outside the jurisdiction.
	for p, row := range map[string]matrixRow{
		"GET /api/v1/ledger":                         {Path: "/api/v1/ledger", Roles: "collector,reviewer", Want: 200},
		"GET /api/v1/ledger/work":                    {Path: "/api/v1/ledger/work", Roles: "collector,reviewer,officer", Want: 200},
		"GET /api/v1/ledger/stats":                   {Path: "/api/v1/ledger/stats", Roles: "collector,reviewer", Want: 200},
		"GET /api/v1/ledger/export":                  {Path: "/api/v1/ledger/export?format=csv", Roles: "reviewer", Want: 200},
		"GET /api/v1/ledger/{uid}":                   {Path: "/api/v1/ledger/{uid}", Roles: "collector,reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/assessment":       {Path: "/api/v1/ledger/{uid}/assessment", Body: `{"risk":"high","needs":["living"],"director":"李主任"}`, Roles: "reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/measures":         {Path: "/api/v1/ledger/{uid}/measures", Body: `{"measure":"dibao"}`, Roles: "reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/visits":           {Path: "/api/v1/ledger/{uid}/visits", Body: `{"date":"2020-01-01","mode":"home","visitor":"李","findings":"x"}`, Roles: "collector,reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/referrals":        {Path: "/api/v1/ledger/{uid}/referrals", Body: `{"department":"jiaoyu","request":"x","deadline":"2099-01-01"}`, Roles: "collector,reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/closure":          {Path: "/api/v1/ledger/{uid}/closure", Body: `{"reason":"resolved"}`, Roles: "collector,reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/closure/decision": {Path: "/api/v1/ledger/{uid}/closure/decision", Body: `{"approve":false}`, Roles: "reviewer", Want: 404},
		"POST /api/v1/ledger/{uid}/attachments":      {Path: "/api/v1/ledger/nope/attachments", Roles: "collector,reviewer", Want: 400}, // not multipart
		"GET /api/v1/ledger/{uid}/attachments/{id}":  {Path: "/api/v1/ledger/{uid}/attachments/1", Roles: "collector,reviewer", Want: 404},
		"GET /api/v1/referrals":                      {Path: "/api/v1/referrals", Roles: "collector,reviewer,officer", Want: 200},
		"POST /api/v1/referrals/{id}/answer":         {Path: "/api/v1/referrals/999999/answer", Body: `{"accept":true,"answer":"x"}`, Roles: "officer", Want: 404},
	} {
		matrix[p] = row
	}
}

// TestLedgerAPI: a key-care child registered by the command line is in the reviewer's ledger,
// masked; the reviewer assesses it, the collector records a visit, a referral to education is in
// the education officer's queue and not in health's, the officer answers it, and the case page
// shows it all; the workbook holds the child with the ID number masked.
func TestLedgerAPI(t *testing.T) {
	e := newTestEnv(t)
	rev := e.login(t, e.addUser(t, "l_rev", auth.RoleReviewer, "minzheng", "150302", false))
	col := e.login(t, e.addUser(t, "l_col", auth.RoleCollector, "minzheng", "150302003012", false))
	edu := e.login(t, e.addUser(t, "l_edu", auth.RoleOfficer, "jiaoyu", "150302", false))
	heal := e.login(t, e.addUser(t, "l_heal", auth.RoleOfficer, "weijian", "150302", false))
	first17 := "64010420150310012"
	rec := child.Record{Name: "吴小关", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), IDNumber: first17 + string(idcardCheck(first17)),
		CoResidents: "both_parents", LeftHukouDate: child.NewDate(2020, 1, 1), FamilyHardship: []string{"dibao"},
		ResidenceAddr: &child.Address{RegionCode: "150302003012", Detail: "幸福路1号"}, HukouAddress: &child.Address{RegionCode: "640104"}}
	c, err := e.st.Create(opCtx(), "cli:test", rec, store.Source{})
	if err != nil {
		t.Fatal(err)
	}
	status, out := rev.do(t, "GET", "/api/v1/ledger", "")
	items, _ := out["items"].([]any)
	if status != 200 || len(items) != 1 || items[0].(map[string]any)["child"] != "吴**" || items[0].(map[string]any)["uid"] != c.UID {
		t.Fatalf("ledger: %d %v", status, out)
	}
	steps := []struct {
		name   string
		c      *client
		method string
		path   string
		body   string
		want   int
	}{
		{"collector cannot assess", col, "POST", "/assessment", `{"risk":"high","needs":["living"],"director":"李主任"}`, 403},
		{"assessment without risk", rev, "POST", "/assessment", `{"needs":["living"],"director":"李主任"}`, 422},
		{"assessment", rev, "POST", "/assessment", `{"risk":"high","needs":["living"],"director":"李主任"}`, 200},
		{"plan", rev, "POST", "/measures", `{"measure":"dibao","amount":600,"given":"低保金"}`, 201},
		{"visit", col, "POST", "/visits", `{"date":"2025-06-29","mode":"home","visitor":"李主任","findings":"生活有保障"}`, 201},
		{"referral", col, "POST", "/referrals", `{"department":"jiaoyu","request":"请落实教育资助","deadline":"2099-01-01"}`, 201},
	}
	for _, s := range steps {
		if got, out := s.c.do(t, s.method, "/api/v1/ledger/"+c.UID+s.path, s.body); got != s.want {
			t.Fatalf("%s: %d %v, want %d", s.name, got, out, s.want)
		}
	}
	if _, out := heal.do(t, "GET", "/api/v1/referrals", ""); len(out["items"].([]any)) != 0 {
		t.Fatalf("health sees education's referral: %v", out)
	}
	_, out = edu.do(t, "GET", "/api/v1/ledger/work", "")
	refs, _ := out["referrals"].([]any)
	if out["referrals_waiting"] != 1.0 || len(refs) != 1 {
		t.Fatalf("education's work list: %v", out)
	}
	id := int(refs[0].(map[string]any)["id"].(float64))
	path := "/api/v1/referrals/" + strconv.Itoa(id) + "/answer"
	if got, out := heal.do(t, "POST", path, `{"accept":true,"answer":"x"}`); got != 404 {
		t.Fatalf("health answered: %d %v", got, out)
	}
	if got, out := edu.do(t, "POST", path, `{"accept":true,"answer":"已纳入资助名单"}`); got != 200 {
		t.Fatalf("answer: %d %v", got, out)
	}
	status, out = col.do(t, "GET", "/api/v1/ledger/"+c.UID, "")
	if status != 200 || out["child"].(map[string]any)["name"] != "吴**" || len(out["visits"].([]any)) != 1 || len(out["measures"].([]any)) != 1 ||
		out["referrals"].([]any)[0].(map[string]any)["status"] != "accepted" || len(out["events"].([]any)) != 6 {
		t.Fatalf("case: %d %v", status, out)
	}
	rec2 := rev.raw("GET", "/api/v1/ledger/export?format=csv", "", true)
	if rec2.Code != 200 || !strings.Contains(rec2.Body.String(), "吴小关") || strings.Contains(rec2.Body.String(), rec.IDNumber) || !strings.Contains(rec2.Body.String(), "1,吴小关") {
		t.Fatalf("export: %d %s", rec2.Code, rec2.Body.String())
	}
	e.checkLog(t, rec.IDNumber, "请落实教育资助")
}
