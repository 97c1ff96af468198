package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/stats"
	"guanai/internal/store"
)

// statsRoles are the roles holding stats.read (the permission matrix's rows of the statistics
// routes).
const statsRoles = "collector,reviewer,officer,statistician,oversight"

const campaignBody = `{"name":"2025年流动儿童和留守儿童摸排","region":"150302","starts_on":"2025-06-01",
"deadlines":[{"phase":"collection","deadline":"2025-06-30"},{"phase":"entry","deadline":"2025-07-15"},{"phase":"verification","deadline":"2025-07-31"}]}`

// loadDemo imports n synthetic Wuhai children into the test registry (drafts).
func loadDemo(t *testing.T, e *testEnv, n int) []child.Record {
	t.Helper()
	g := demo.New(7, child.NewDate(2025, 6, 30))
	rows := make([]store.ImportRow, n)
	recs := make([]child.Record, n)
	for i := range rows {
		recs[i] = g.Child()
		rows[i] = store.ImportRow{Row: i + 2, Record: recs[i]}
	}
	res, _, err := e.st.ImportRows(opCtx(), "cli:test", store.ImportOptions{Roster: "demo", Synthetic: true}, rows)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != n {
		t.Fatalf("imported %+v, want %d", res, n)
	}
	return recs
}

func getJSON(t *testing.T, c *client, path string, want int) (map[string]any, http.Header) {
	t.Helper()
	rec := c.raw("GET", path, "", true)
	if rec.Code != want {
		t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, want, rec.Body)
	}
	var out map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return out, rec.Header()
}

// TestStatsAPI: the report of the API is the report Compute makes of the same records (for a
// civil-affairs reviewer, unsuppressed); one table as JSON and xlsx; cross-tabs; the cache
// serves the same version until a write; bad parameters answer in Chinese.
func TestStatsAPI(t *testing.T) {
	e := newTestEnv(t)
	recs := loadDemo(t, e, 600)
	city := e.login(t, e.addUser(t, "city_reviewer", auth.RoleReviewer, "minzheng", "1503", false))

	rep, h := getJSON(t, city, "/api/v1/stats?as_of=2025-06-30&region=150300", 200)
	want, err := stats.Compute(stats.Records(recs), stats.Query{AsOf: child.NewDate(2025, 6, 30), Region: "150300"})
	if err != nil {
		t.Fatal(err)
	}
	tot := rep["totals"].(map[string]any)
	for k, v := range map[string]int64{"records": want.Totals.Records, "migrant_monitoring": want.Totals.MigrantMonitoring,
		"migrant_statistics": want.Totals.MigrantStatistics, "left_behind": want.Totals.LeftBehind, "key_care": want.Totals.KeyCare} {
		if int64(tot[k].(float64)) != v {
			t.Errorf("totals.%s = %v, Compute says %d", k, tot[k], v)
		}
	}
	if want.Totals.MigrantMonitoring == 0 || want.Totals.LeftBehind == 0 {
		t.Fatalf("demo population without migrant or left-behind children: %+v", want.Totals)
	}
	if len(rep["by_region"].([]any)) != 3 {
		t.Errorf("by_region: %v", rep["by_region"])
	}
	v1 := h.Get("X-Stats-Version")
	_, h2 := getJSON(t, city, "/api/v1/stats?as_of=2025-06-30&region=150300", 200)
	if h2.Get("X-Stats-Version") != v1 || h2.Get("X-Stats-Computed") != h.Get("X-Stats-Computed") {
		t.Errorf("second read not from the cache: %v then %v", h, h2)
	}
	// A write moves the data version: the next read is not the old report as current.
	if _, err := e.st.Create(opCtx(), "cli:test", recs[0], store.Source{}); err == nil {
		_, h3 := getJSON(t, city, "/api/v1/stats?as_of=2025-06-30&region=150300", 200)
		if h3.Get("X-Stats-Stale") != "1" && h3.Get("X-Stats-Version") == v1 {
			t.Errorf("after a write: version %s, stale %q", h3.Get("X-Stats-Version"), h3.Get("X-Stats-Stale"))
		}
	}

	sex, _ := getJSON(t, city, "/api/v1/stats/tables/sex?as_of=2025-06-30&region=150300", 200)
	if sex["key"] != "sex" || sex["total"] == nil {
		t.Errorf("table sex: %v", sex)
	}
	rec := city.raw("GET", "/api/v1/stats/tables/age5?as_of=2025-06-30&region=150302&format=xlsx", "", true)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") || rec.Body.Len() < 2000 ||
		!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("xlsx: %d %v %d bytes", rec.Code, rec.Header(), rec.Body.Len())
	}
	ct, _ := getJSON(t, city, "/api/v1/stats/crosstab?as_of=2025-06-30&region=150300&rows=region&cols=sex", 200)
	if ct["rows"].(map[string]any)["dimension"] != "region" || ct["row_percent"] == nil {
		t.Errorf("crosstab: %v", ct)
	}
	dims, _ := getJSON(t, city, "/api/v1/stats/dimensions", 200)
	if len(dims["dimensions"].([]any)) < 20 {
		t.Errorf("dimensions: %v", dims)
	}
	for _, bad := range []struct {
		path string
		code int
	}{
		{"/api/v1/stats?as_of=2025-02-30", 400},
		{"/api/v1/stats?region=999999", 400},
		{"/api/v1/stats?publish=maybe", 400},
		{"/api/v1/stats/tables/nope", 404},
		{"/api/v1/stats/tables/sex?format=pdf", 400},
		{"/api/v1/stats/crosstab?rows=sex", 400},
		{"/api/v1/stats/crosstab?rows=sex&cols=nope", 400},
		{"/api/v1/stats/trend?from=2025-13", 400},
		{"/api/v1/stats/snapshots/2025-5", 400},
	} {
		out, _ := getJSON(t, city, bad.path, bad.code)
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if !hasHan(msg) {
			t.Errorf("%s: message %q is not Chinese", bad.path, msg)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestStatsPublishedAndScope: a statistician gets the published report only (no totals, tables
// suppressed), a district account its district only, and nobody a region outside it.
func TestStatsPublishedAndScope(t *testing.T) {
	e := newTestEnv(t)
	loadDemo(t, e, 400)
	stat := e.login(t, e.addUser(t, "stat", auth.RoleStatistician, "tongji", "1503", false))
	rep, _ := getJSON(t, stat, "/api/v1/stats?as_of=2025-06-30", 200)
	if rep["published"] != true || rep["totals"] != nil || rep["by_region"] != nil {
		t.Errorf("statistician got an internal report: published %v, totals %v", rep["published"], rep["totals"])
	}
	withheld := false
	for _, tb := range rep["tables"].(map[string]any) {
		if tb.(map[string]any)["suppressed"] != nil {
			withheld = true
		}
	}
	if !withheld {
		t.Error("no table of the published report carries suppression")
	}
	ct, _ := getJSON(t, stat, "/api/v1/stats/crosstab?as_of=2025-06-30&rows=ethnicity&cols=age5", 200)
	if ct["suppressed"] == nil {
		t.Errorf("statistician's cross-tab not suppressed: %v", ct)
	}

	district := e.login(t, e.addUser(t, "hbw", auth.RoleReviewer, "minzheng", "150302", false))
	rep, _ = getJSON(t, district, "/api/v1/stats?as_of=2025-06-30", 200)
	if rep["region"] != "150302" {
		t.Errorf("district account's default region %v, want 150302", rep["region"])
	}
	own, _ := getJSON(t, district, "/api/v1/stats?as_of=2025-06-30&region=150302", 200)
	city := e.login(t, e.addUser(t, "city", auth.RoleReviewer, "minzheng", "1503", false))
	full, _ := getJSON(t, city, "/api/v1/stats?as_of=2025-06-30&region=150302", 200)
	if mustJSONValue(own["totals"]) != mustJSONValue(full["totals"]) {
		t.Errorf("district totals %v, city account's view of the district %v", own["totals"], full["totals"])
	}
	out, _ := getJSON(t, district, "/api/v1/stats?region=150303", 403)
	if !hasHan(out["error"].(map[string]any)["message"].(string)) {
		t.Error("forbidden region: no Chinese message")
	}
	getJSON(t, district, "/api/v1/stats?region=150300", 403)
	if MustSuppress(nil) != true {
		t.Error("MustSuppress(nil) must be true")
	}
}

// TestStatsSnapshotsAndTrend: a month's snapshot taken by hand is listed, readable (internal and
// published forms) and gives the trend's point.
func TestStatsSnapshotsAndTrend(t *testing.T) {
	e := newTestEnv(t)
	loadDemo(t, e, 300)
	ctx := opCtx()
	// Disclosure control of 26 sparse reports per month: bound it (what runs out of time is
	// withheld entirely, which this test does not look at).
	defer func(b time.Duration) { stats.PublishBudget = b }(stats.PublishBudget)
	stats.PublishBudget = 100 * time.Millisecond
	for _, m := range []string{"2025-04", "2025-05"} {
		if _, err := stats.TakeSnapshot(ctx, e.st, m, stats.Query{}); err != nil {
			t.Fatal(err)
		}
	}
	city := e.login(t, e.addUser(t, "city", auth.RoleReviewer, "minzheng", "1503", false))
	months, _ := getJSON(t, city, "/api/v1/stats/snapshots", 200)
	if mustJSONValue(months["months"]) != `["2025-05","2025-04"]` {
		t.Errorf("months %v", months["months"])
	}
	snap, _ := getJSON(t, city, "/api/v1/stats/snapshots/2025-05?region=150302", 200)
	if snap["as_of"] != "2025-05-31" || snap["published"] != false {
		t.Errorf("snapshot: %v", snap)
	}
	tr, _ := getJSON(t, city, "/api/v1/stats/trend?region=150300&table=totals&cols=left_behind", 200)
	series := tr["series"].([]any)
	if len(series) != 1 {
		t.Fatalf("trend: %v", tr)
	}
	pts := series[0].(map[string]any)["points"].([]any)
	if len(pts) != 2 || pts[1].(map[string]any)["as_of"] != "2025-05-31" {
		t.Fatalf("trend points: %v", pts)
	}
	// The point is the report's value as of the month's last day.
	rep, err := stats.Compute(stats.RegistrySource(ctx, e.st, "150300"), stats.Query{AsOf: child.NewDate(2025, 5, 31), Region: "150300"})
	if err != nil {
		t.Fatal(err)
	}
	if got := int64(pts[1].(map[string]any)["value"].(float64)); got != rep.Totals.LeftBehind {
		t.Errorf("trend value %d, report %d", got, rep.Totals.LeftBehind)
	}
	tbl, _ := getJSON(t, city, "/api/v1/stats/trend?region=150300&table=sex&row=1&cols=left_behind,migrant_monitoring", 200)
	if len(tbl["series"].([]any)) != 2 {
		t.Errorf("table trend: %v", tbl)
	}
	stat := e.login(t, e.addUser(t, "stat", auth.RoleStatistician, "tongji", "1503", false))
	ps, _ := getJSON(t, stat, "/api/v1/stats/snapshots/2025-05?region=150302", 200)
	if ps["published"] != true {
		t.Errorf("statistician got the internal snapshot")
	}
	// Due on the 1st for the month before, not again once taken.
	if m, err := stats.SnapshotDue(ctx, e.st, child.NewDate(2025, 6, 1)); err != nil || m != "" {
		t.Errorf("due after taking 2025-05: %q %v", m, err)
	}
	if m, err := stats.SnapshotDue(ctx, e.st, child.NewDate(2025, 7, 1)); err != nil || m != "2025-06" {
		t.Errorf("due on 2025-07-01: %q %v", m, err)
	}
}

// TestCampaignProgress: a campaign is created, listed, its progress counts the district's
// records by status with overdue phases, and the bulletin downloads as xlsx.
func TestCampaignProgress(t *testing.T) {
	e := newTestEnv(t)
	loadDemo(t, e, 300)
	rev := e.login(t, e.addUser(t, "hbw", auth.RoleReviewer, "minzheng", "150302", false))
	code, out := rev.do(t, "POST", "/api/v1/campaigns", campaignBody)
	if code != 201 {
		t.Fatalf("create: %d %v", code, out)
	}
	uid := out["uid"].(string)
	code, bad := rev.do(t, "POST", "/api/v1/campaigns", `{"name":"","region":"150302","starts_on":"2025-06-01","deadlines":[{"phase":"x","deadline":"2025-01-01"}]}`)
	if code != 422 || len(bad["error"].(map[string]any)["fields"].([]any)) < 3 {
		t.Errorf("invalid campaign: %d %v", code, bad)
	}
	code, _ = rev.do(t, "POST", "/api/v1/campaigns", strings.Replace(campaignBody, `"150302"`, `"150303"`, 1))
	if code != 403 {
		t.Errorf("campaign outside the jurisdiction: %d", code)
	}
	list, _ := getJSON(t, rev, "/api/v1/campaigns", 200)
	if len(list["items"].([]any)) != 1 {
		t.Errorf("list: %v", list)
	}
	p, _ := getJSON(t, rev, "/api/v1/campaigns/"+uid+"/progress?as_of=2025-07-20", 200)
	total := p["total"].(map[string]any)
	reg := total["registered"].(float64)
	var sum float64
	for _, d := range p["townships"].([]any) {
		sum += d.(map[string]any)["registered"].(float64)
	}
	if reg == 0 || total["draft"].(float64) != reg {
		t.Errorf("total: %v", total)
	}
	if sum > reg {
		t.Errorf("townships add up to %v, more than the district's %v", sum, reg)
	}
	// Everything is a draft on 2025-07-20: 数据录入 (deadline 07-15) is overdue, 比对核实 not yet.
	phases := map[string]bool{}
	for _, o := range p["overdue"].([]any) {
		phases[o.(map[string]any)["phase"].(string)] = true
	}
	if !phases["entry"] || phases["verification"] {
		t.Errorf("overdue phases %v", phases)
	}
	rec := rev.raw("GET", "/api/v1/campaigns/"+uid+"/progress?format=xlsx", "", true)
	if rec.Code != 200 || rec.Body.Len() < 2000 {
		t.Errorf("bulletin: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	other := e.login(t, e.addUser(t, "hn", auth.RoleReviewer, "minzheng", "150303", false))
	getJSON(t, other, "/api/v1/campaigns/"+uid, 404)
}

// TestStatsQuality: completeness by township and totals that add up.
func TestStatsQuality(t *testing.T) {
	e := newTestEnv(t)
	loadDemo(t, e, 300)
	city := e.login(t, e.addUser(t, "city", auth.RoleReviewer, "minzheng", "1503", false))
	q, _ := getJSON(t, city, "/api/v1/stats/quality?region=150300", 200)
	total := q["total"].(map[string]any)
	var sum float64
	for _, r := range q["townships"].([]any) {
		sum += r.(map[string]any)["records"].(float64)
	}
	if total["records"].(float64) == 0 || sum != total["records"].(float64) {
		t.Errorf("townships %v, total %v", sum, total["records"])
	}
	c := total["completeness"].(map[string]any)
	if c["sex"].(float64) != 100 || c["birth_date"].(float64) != 100 {
		t.Errorf("completeness: %v", c)
	}
	if _, ok := q["warnings"].([]any); !ok {
		t.Errorf("warnings: %v", q["warnings"])
	}
}
