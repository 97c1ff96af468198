package web

import (
	"strings"
	"testing"

	"guanai/internal/auth"
)

// The population routes' rows of the permission matrix: the statistician imports figures and
// downloads the template; readers of statistics read them and the coverage; whoever reads leads
// reads the visits by division.
func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/population":          {Path: "/api/v1/population", Roles: statsRoles, Want: 200},
		"POST /api/v1/population":         {Path: "/api/v1/population", Roles: "statistician", Want: 400},
		"GET /api/v1/population/template": {Path: "/api/v1/population/template", Roles: "statistician", Want: 200},
		"GET /api/v1/coverage":            {Path: "/api/v1/coverage?as_of=2025-06-30", Roles: statsRoles, Want: 200},
		"GET /api/v1/coverage/visits":     {Path: "/api/v1/coverage/visits", Roles: "collector,reviewer,officer", Want: 200},
	} {
		matrix[p] = row
	}
}

// TestCoverageAPI: the district statistician imports figures (a row of another district refused
// in Chinese), the district reviewer reads the coverage unsuppressed with the reference year and
// source, the statistician only published, with the rate of a withheld count withheld too.
func TestCoverageAPI(t *testing.T) {
	e := newTestEnv(t)
	stat := e.login(t, e.addUser(t, "stat", auth.RoleStatistician, "tongji", "150302", false))
	rev := e.login(t, e.addUser(t, "rev", auth.RoleReviewer, "minzheng", "150302", false))
	idA := webID("640104", "20150310", "123")
	children := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,现居住地区划代码,共同居住人,离开户籍地日期\n" +
		"王小明,男,2015-03-10," + idA + ",宁夏回族自治区银川市兴庆区解放西街1号,150302003012,父母双方,2024-03-31\n"
	if status, out := rev.upload(t, "/api/v1/imports", "c.csv", children); status != 200 || out["imported"] != 1.0 {
		t.Fatalf("import children: %d %v", status, out)
	}
	figs := "区划代码,参考年份,数据来源,不满16周岁儿童,流动儿童,留守儿童\n150302003,2020,人口普查,1000,50,10\n150303001,2020,人口普查,10,1,1\n"
	status, out := stat.upload(t, "/api/v1/population", "f.csv", figs)
	if status != 200 || out["imported"] != 1.0 || out["rejected"] != 1.0 {
		t.Fatalf("import figures: %d %v", status, out)
	}
	if errs, _ := out["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["message"] == "" {
		t.Errorf("errors %v", out["errors"])
	}
	if status, out := rev.upload(t, "/api/v1/population", "f.csv", figs); status != 403 {
		t.Errorf("reviewer import: %d %v", status, out)
	}
	status, out = rev.do(t, "GET", "/api/v1/coverage?level=township&as_of=2025-06-30", "")
	if status != 200 || out["reference"] != "参考年份：2020年；数据来源：人口普查" || out["published"] == true {
		t.Fatalf("reviewer coverage: %d %v", status, out)
	}
	row := findRow(t, out, "150302003")
	if row["registered_migrant"] != 1.0 || row["migrant_rate"] != 1.0/50 || row["rank"] != 1.0 || row["shortfall"] != 59.0 {
		t.Errorf("reviewer row %v", row)
	}
	status, out = stat.do(t, "GET", "/api/v1/coverage?level=township&as_of=2025-06-30", "")
	if status != 200 || out["published"] != true {
		t.Fatalf("statistician coverage: %d %v", status, out)
	}
	row = findRow(t, out, "150302003")
	if row["registered_migrant"] != nil || row["migrant_rate"] != nil || row["migrant_share"] != nil || row["shortfall"] != nil || row["expected_migrant"] != 50.0 {
		t.Errorf("published row %v: the count of 1 and what is computed from it must be withheld", row)
	}
	if rec := rev.raw("GET", "/api/v1/coverage?level=township&format=xlsx", "", false); rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheet") {
		t.Errorf("coverage xlsx: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if status, out := stat.do(t, "GET", "/api/v1/coverage?level=hamlet", ""); status != 400 {
		t.Errorf("bad level: %d %v", status, out)
	}
	if status, out := rev.do(t, "GET", "/api/v1/coverage/visits?level=township", ""); status != 200 {
		t.Errorf("visits: %d %v", status, out)
	}
}

func findRow(t *testing.T, out map[string]any, code string) map[string]any {
	t.Helper()
	rows, _ := out["rows"].([]any)
	for _, r := range rows {
		if m, ok := r.(map[string]any); ok && m["region_code"] == code {
			return m
		}
	}
	t.Fatalf("no row %s in %v", code, out)
	return nil
}
