package web

import (
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/auth"
	"guanai/internal/child"
)

func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/bulletins":               {Path: "/api/v1/bulletins", Roles: statsRoles, Want: 200},
		"GET /api/v1/bulletins/{number}":      {Path: "/api/v1/bulletins/nope", Roles: statsRoles, Want: 404},
		"GET /api/v1/bulletins/{number}/xlsx": {Path: "/api/v1/bulletins/nope/xlsx", Roles: statsRoles, Want: 404},
	} {
		matrix[p] = row
	}
}

// TestBulletinAPI: a campaign of 海勃湾区; the server's job issues its bulletin; oversight of the
// city reads it with its key figures and downloads the workbook, whose first sheet is the
// numbered 通报.
func TestBulletinAPI(t *testing.T) {
	e := newTestEnv(t)
	rev := e.login(t, e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false))
	over := e.login(t, e.addUser(t, "over", auth.RoleOversight, "fuergongwei", "1503", false))
	col := e.login(t, e.addUser(t, "col", auth.RoleCollector, "minzheng", "150302003012", false))
	if status, out := col.do(t, "POST", "/api/v1/children", migrantJSON); status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	if status, out := rev.do(t, "POST", "/api/v1/campaigns", campaignBody); status != 201 {
		t.Fatalf("campaign: %d %v", status, out)
	}
	ns, err := e.st.IssueBulletins(auth.WithPrincipal(context.Background(), auth.System("bulletin")), child.NewDate(2025, 6, 30), 1)
	if err != nil || len(ns) != 1 {
		t.Fatalf("issue: %v %v", ns, err)
	}
	status, list := over.do(t, "GET", "/api/v1/bulletins", "")
	if status != 200 || len(items(list)) != 1 {
		t.Fatalf("list: %d %v", status, list)
	}
	status, b := over.do(t, "GET", "/api/v1/bulletins/"+ns[0], "")
	if status != 200 || b["number"] != ns[0] || b["report"] == nil || !strings.Contains(b["title"].(string), "第 1 期") {
		t.Fatalf("bulletin: %d %v", status, b)
	}
	keys, _ := b["key_figures"].([]any)
	if len(keys) == 0 || keys[0].(map[string]any)["value"] != float64(1) {
		t.Errorf("key figures %v", keys)
	}
	x := over.raw("GET", "/api/v1/bulletins/"+ns[0]+"/xlsx", "", false)
	if x.Code != 200 {
		t.Fatalf("xlsx: %d", x.Code)
	}
	f, err := excelize.OpenReader(strings.NewReader(x.Body.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(f.GetSheetName(0))
	if f.GetSheetName(0) != "通报" || len(rows) < 8 || rows[1][1] != ns[0] {
		t.Errorf("first sheet %s: %q", f.GetSheetName(0), rows)
	}
}
