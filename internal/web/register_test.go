package web

import (
	"fmt"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
)

func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/review-queue":               {Path: "/api/v1/review-queue", Roles: "reviewer", Want: 200},
		"GET /api/v1/review-queue/count":         {Path: "/api/v1/review-queue/count", Roles: "reviewer", Want: 200},
		"POST /api/v1/review-queue/{id}/confirm": {Path: "/api/v1/review-queue/999999/confirm", Body: `{"note":"已核实"}`, Roles: "reviewer", Want: 404},
		"POST /api/v1/review-queue/{id}/archive": {Path: "/api/v1/review-queue/999999/archive", Body: `{"reason":"年满16周岁"}`, Roles: "reviewer", Want: 404},
		"GET /api/v1/children/{uid}/upcoming":    {Path: "/api/v1/children/{uid}/upcoming", Roles: "collector,reviewer,officer", Want: 200},
		"POST /api/v1/discrepancies/{uid}/adopt": {Path: "/api/v1/discrepancies/none/adopt", Body: `{"note":"学校核实"}`, Roles: "collector,reviewer", Want: 404},
		"POST /api/v1/children/{uid}/handover":   {Path: "/api/v1/children/{uid}/handover", Body: `{"to_code":"150303001"}`, Roles: "collector,reviewer", Want: 201},
		"POST /api/v1/handovers/transfer-in":     {Path: "/api/v1/handovers/transfer-in", Body: `{"id_number":"110105201501010015"}`, Roles: "collector", Want: 404},
		"GET /api/v1/handovers":                  {Path: "/api/v1/handovers?direction=out", Roles: "collector,reviewer,officer", Want: 200},
		"POST /api/v1/handovers/{id}/decision":   {Path: "/api/v1/handovers/999999/decision", Body: `{"accept":false,"note":"查无此人"}`, Roles: "reviewer", Want: 404},
	} {
		matrix[p] = row
	}
}

func regMigrantJSON(name, sex, birth, id string) string {
	return fmt.Sprintf(`{"name":%q,"sex":%q,"birth_date":%q,"id_number":%q,"hukou_registered":true,
 "hukou_address":{"region_code":"640104001"},"residence_address":{"region_code":"150302003012","detail":"幸福路1号"},
 "co_residents":"one_parent","left_hukou_date":"2024-03-31"}`, name, sex, birth, id)
}

// TestReviewQueueRoutes: submission refused with the ID field named; a child who turns 16 is
// queued, counted, listed with the answers that moved and the cause, and archived with a reason;
// the upcoming changes of a child are listed.
func TestReviewQueueRoutes(t *testing.T) {
	e := newTestEnv(t)
	c := e.login(t, e.addUser(t, "district_worker", auth.RoleCollector+","+auth.RoleReviewer, "minzheng", "150302", false))

	// A girl entered with a boy's number: kept as a draft, refused at submission.
	st, out := c.do(t, "POST", "/api/v1/children", regMigrantJSON("李小红", "2", "2016-04-04", webID("640104", "20160404", "125")))
	if st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	uid := out["uid"].(string)
	st, out = c.do(t, "POST", "/api/v1/children/"+uid+"/transitions", `{"to":"submitted"}`)
	e422, _ := out["error"].(map[string]any)
	fields, _ := e422["fields"].([]any)
	if st != 422 || len(fields) != 1 || fields[0].(map[string]any)["field"] != "id_number" || !strings.Contains(fmt.Sprint(e422["message"]), "不能提交") {
		t.Fatalf("submission: %d %v", st, out)
	}

	st, out = c.do(t, "POST", "/api/v1/children", regMigrantJSON("王小明", "1", "2009-07-10", webID("640104", "20090710", "123")))
	if st != 201 {
		t.Fatalf("create: %d %v", st, out)
	}
	old := out["uid"].(string)
	st, out = c.do(t, "GET", "/api/v1/children/"+old+"/upcoming", "")
	if changes := fmt.Sprint(out["changes"]); st != 200 || !strings.Contains(changes, "2025-07-11 满16周岁，届时不再属于监测范围") {
		t.Fatalf("upcoming: %d %v", st, out)
	}
	if _, err := e.st.Reclassify(auth.WithPrincipal(opCtx(), auth.System("test")), child.NewDate(2025, 7, 11)); err != nil {
		t.Fatal(err)
	}
	if st, out = c.do(t, "GET", "/api/v1/review-queue/count", ""); st != 200 || out["no_longer_qualifies"] != 1.0 || out["total"] != 1.0 {
		t.Fatalf("count: %d %v", st, out)
	}
	st, out = c.do(t, "GET", "/api/v1/review-queue", "")
	items, _ := out["items"].([]any)
	if st != 200 || len(items) != 1 {
		t.Fatalf("queue: %d %v", st, out)
	}
	it := items[0].(map[string]any)
	if it["uid"] != old || it["kind_label"] != "不再符合条件" || !strings.Contains(it["cause"].(string), "已满16周岁") ||
		!strings.Contains(fmt.Sprint(it["changes"]), "流动儿童（监测摸排范围） before:是") && !strings.Contains(fmt.Sprint(it["changes"]), "after:否") {
		t.Errorf("item %v", it)
	}
	id := fmt.Sprint(int64(it["id"].(float64)))
	if st, out = c.do(t, "POST", "/api/v1/review-queue/"+id+"/archive", `{"reason":"搬家"}`); st != 422 {
		t.Errorf("bad reason: %d %v", st, out)
	}
	if st, out = c.do(t, "POST", "/api/v1/review-queue/"+id+"/archive", `{"reason":"年满16周岁"}`); st != 200 {
		t.Fatalf("archive: %d %v", st, out)
	}
	if st, out = c.do(t, "GET", "/api/v1/children/"+old, ""); out["status"] != "archived" {
		t.Errorf("child after archive: %d %v", st, out["status"])
	}
	if st, out = c.do(t, "GET", "/api/v1/review-queue/count", ""); out["total"] != 0.0 {
		t.Errorf("count after: %d %v", st, out)
	}
}
