package web

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

// The case workers' routes' rows of the permission matrix (permissions_test.go).
func init() {
	// Only civil affairs archives; a collector may submit in a batch but not archive (403 from
	// the store's gate).
	matrix["POST /api/v1/children/batch-transitions"] = matrixRow{Path: "/api/v1/children/batch-transitions",
		Body: `{"to":"archived","reason":"已离开本地","uids":["{uid}"]}`, Roles: "reviewer", Want: 200}
	// The matrix's child was registered on the command line: a collector's own drafts only (403),
	// none outside the jurisdiction (404).
	matrix["POST /api/v1/children/{uid}/discard"] = matrixRow{Path: "/api/v1/children/{uid}/discard", Body: `{"reason":"重复登记"}`, Roles: "collector", Want: 403}
}

// caseworkerChild registers a child of 海勃湾区 with parents, as the command line would.
func caseworkerChild(t *testing.T, e *testEnv, name string, n int) string {
	t.Helper()
	first17 := fmt.Sprintf("15030220150310%03d", n)
	sex := "1" // the 17th digit says the sex: odd for a boy
	if n%2 == 0 {
		sex = "2"
	}
	rec := child.Record{Name: name, Sex: sex, BirthDate: child.NewDate(2015, 3, 10), IDNumber: first17 + string(idcardCheck(first17)),
		ResidenceAddr: &child.Address{RegionCode: "150302003012", Detail: "幸福路1号"}, HukouAddress: &child.Address{RegionCode: "150302003012"},
		Father: &child.Parent{Name: "王建国", Phone: "13900001111"}}
	c, err := e.st.Create(opCtx(), "cli:test", rec, store.Source{})
	if err != nil {
		t.Fatal(err)
	}
	return c.UID
}

// TestWhoSeesNames: the collector and the civil-affairs reviewer of the jurisdiction see the
// names in full (record, list, edit round trip), audited; a department officer sees them masked;
// the ID number and the phone stay masked for all.
func TestWhoSeesNames(t *testing.T) {
	e := newTestEnv(t)
	uid := caseworkerChild(t, e, "王小明", 1)
	col := e.login(t, e.addUser(t, "cw_collector", auth.RoleCollector, "minzheng", "150302003012", false))
	rev := e.login(t, e.addUser(t, "cw_reviewer", auth.RoleReviewer, "minzheng", "150302", false))
	off := e.login(t, e.addUser(t, "cw_officer", auth.RoleOfficer, "jiaoyu", "150302", false))
	for _, tt := range []struct {
		who        string
		c          *client
		name, dad  string
		namesShown string
	}{
		{"collector", col, "王小明", "王建国", "full"},
		{"reviewer", rev, "王小明", "王建国", "full"},
		{"officer", off, child.MaskName("王小明"), "", "masked"},
	} {
		status, out := tt.c.do(t, "GET", "/api/v1/children/"+uid, "")
		if status != 200 {
			t.Fatalf("%s: %d %v", tt.who, status, out)
		}
		rec := out["record"].(map[string]any)
		if rec["name"] != tt.name || out["names"] != tt.namesShown {
			t.Errorf("%s sees the record's name %v (%v), want %s", tt.who, rec["name"], out["names"], tt.name)
		}
		if f, ok := rec["father"].(map[string]any); tt.dad != "" && (!ok || f["name"] != tt.dad || f["phone"] == "13900001111") {
			t.Errorf("%s sees the father %v", tt.who, rec["father"])
		}
		if id, _ := rec["id_number"].(string); id != "" && !strings.Contains(id, "*") {
			t.Errorf("%s sees the ID number in full", tt.who)
		}
		status, out = tt.c.do(t, "GET", "/api/v1/children?name=王小明", "")
		items, _ := out["items"].([]any)
		if status != 200 || len(items) != 1 || items[0].(map[string]any)["name"] != tt.name || out["names"] != tt.namesShown {
			t.Errorf("%s's list: %d %v", tt.who, status, out)
		}
	}
	// An officer who needs the name reveals it with a purpose, audited like any reveal.
	if status, out := off.do(t, "POST", "/api/v1/children/"+uid+"/reveal", `{"field":"name","purpose":"核对学籍"}`); status != 200 || out["value"] != "王小明" {
		t.Errorf("officer reveals the name: %d %v", status, out)
	}
	// Every list that showed names in full is in the trail with the children it showed.
	page, err := e.st.AuditEntries(opCtx(), store.AuditQuery{Action: audit.ChildNames})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || !strings.Contains(string(page.Items[0].Detail), uid) || strings.Contains(string(page.Items[0].Detail), "王") {
		t.Errorf("audit of full names: %+v", page)
	}
	// The collector's form sends back what it was given (full names, masked numbers): nothing is
	// lost, and a name changed is taken as typed.
	status, out := col.do(t, "GET", "/api/v1/children/"+uid, "")
	rec := out["record"].(map[string]any)
	rec["name"] = "王晓明"
	status, out = col.do(t, "PUT", fmt.Sprintf("/api/v1/children/%s?version=%v", uid, out["version"]), mustJSONValue(rec))
	if status != 200 {
		t.Fatalf("edit: %d %v", status, out)
	}
	c, err := e.st.Get(opCtx(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if c.Record.Name != "王晓明" || c.Record.Father.Phone != "13900001111" || c.Record.Father.Name != "王建国" || strings.Contains(c.Record.IDNumber, "*") {
		t.Errorf("after the edit: %s %+v %s", c.Record.Name, c.Record.Father, c.Record.IDNumber)
	}
}

// TestListExactAndExplained: the count is exact, the cursor reaches every record, and an empty
// answer says why.
func TestListExactAndExplained(t *testing.T) {
	e := newTestEnv(t)
	var all []string
	for i := range 23 {
		all = append(all, caseworkerChild(t, e, "张"+string(rune('一'+i))+"明", i+10))
	}
	rev := e.login(t, e.addUser(t, "cw_reviewer2", auth.RoleReviewer, "minzheng", "150302", false))
	var seen []string
	after := ""
	for range 10 {
		status, out := rev.do(t, "GET", "/api/v1/children?limit=5&sort=oldest&after="+url.QueryEscape(after), "")
		if status != 200 || out["total"] != 23.0 {
			t.Fatalf("page: %d %v", status, out)
		}
		for _, it := range out["items"].([]any) {
			seen = append(seen, it.(map[string]any)["uid"].(string))
		}
		if after, _ = out["next"].(string); after == "" {
			break
		}
	}
	if !slices.Equal(seen, all) {
		t.Errorf("keyset paging oldest first saw %d records, want the %d in order of registration", len(seen), len(all))
	}
	if status, out := rev.do(t, "GET", "/api/v1/children?sort=name", ""); status != 400 || !strings.Contains(errMessage(out), "排序") {
		t.Errorf("unknown order: %d %v", status, out)
	}
	for _, tt := range []struct{ query, hint, matched string }{
		{"name=张", "全名", "全名一致"},
		{"name=张三丰", "核对用字", "全名一致"},
		{"name=zsf", "全拼", "拼音"},
		{"id_number=1234", "18 位", "公民身份号码"},
	} {
		status, out := rev.do(t, "GET", "/api/v1/children?"+tt.query, "")
		if status != 200 || out["total"] != 0.0 || !strings.Contains(fmt.Sprint(out["hint"]), tt.hint) || !strings.Contains(fmt.Sprint(out["matched"]), tt.matched) {
			t.Errorf("%s: %d hint %v matched %v", tt.query, status, out["hint"], out["matched"])
		}
	}
	if _, out := rev.do(t, "GET", "/api/v1/children?name=张一明", ""); out["total"] != 1.0 || out["hint"] != nil {
		t.Errorf("a match needs no hint: %v", out)
	}
}

// TestBatchTransition approves what was chosen and all of a filter, with a comment; a filter
// whose count moved since the confirmation is refused; a collector cannot approve.
func TestBatchTransition(t *testing.T) {
	e := newTestEnv(t)
	var uids []string
	for i := range 8 {
		uid := caseworkerChild(t, e, "李"+string(rune('一'+i))+"华", i+40)
		if _, err := e.st.Transition(opCtx(), "cli:test", uid, store.StatusSubmitted, ""); err != nil {
			t.Fatal(err)
		}
		uids = append(uids, uid)
	}
	rev := e.login(t, e.addUser(t, "cw_reviewer3", auth.RoleReviewer, "minzheng", "150302", false))
	col := e.login(t, e.addUser(t, "cw_collector3", auth.RoleCollector, "minzheng", "150302003012", false))
	if status, out := col.do(t, "POST", "/api/v1/children/batch-transitions", mustJSONValue(map[string]any{"to": "approved", "uids": uids[:2]})); status != 403 {
		t.Errorf("collector approves: %d %v", status, out)
	}
	status, out := rev.do(t, "POST", "/api/v1/children/batch-transitions", mustJSONValue(map[string]any{"to": "approved", "uids": uids[:3], "reason": "材料齐全"}))
	if status != 200 || len(out["done"].([]any)) != 3 || len(out["refused"].([]any)) != 0 {
		t.Fatalf("chosen: %d %v", status, out)
	}
	filter := "status=submitted&region=150302"
	if status, out := rev.do(t, "POST", "/api/v1/children/batch-transitions", mustJSONValue(map[string]any{"to": "approved", "filter": filter, "expect": 8})); status != 409 || !strings.Contains(errMessage(out), "5 条") {
		t.Errorf("stale count: %d %v", status, out)
	}
	status, out = rev.do(t, "POST", "/api/v1/children/batch-transitions", mustJSONValue(map[string]any{"to": "approved", "filter": filter, "expect": 5}))
	if status != 200 || len(out["done"].([]any)) != 5 {
		t.Fatalf("filter: %d %v", status, out)
	}
	if _, out := rev.do(t, "GET", "/api/v1/children?status=approved", ""); out["total"] != 8.0 {
		t.Errorf("approved after the batches: %v", out["total"])
	}
	if status, out := rev.do(t, "POST", "/api/v1/children/batch-transitions", mustJSONValue(map[string]any{"to": "returned", "uids": uids[:1]})); status != 422 {
		t.Errorf("return without a reason: %d %v", status, out)
	}
	// The collector deletes a draft of its own, not a record it did not register.
	status, out = col.do(t, "POST", "/api/v1/children", migrantJSON)
	if status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	mine := out["uid"].(string)
	if status, out := col.do(t, "POST", "/api/v1/children/"+uids[0]+"/discard", ""); status != 403 {
		t.Errorf("discard another's record: %d %v", status, out)
	}
	if status, out := col.do(t, "POST", "/api/v1/children/"+mine+"/discard", `{"reason":"重复登记"}`); status != 200 || out["status"] != "archived" {
		t.Errorf("discard: %d %v", status, out)
	}
}
