package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"guanai/internal/auth"
)

func init() {
	for p, row := range map[string]matrixRow{
		"GET /api/v1/admin/users": {Path: "/api/v1/admin/users", Roles: "sysadmin,secadmin", Want: 200},
		"POST /api/v1/admin/users": {Path: "/api/v1/admin/users", Roles: "sysadmin", Want: 201,
			Body: `{"username":"m_new","name":"新账号","roles":["collector"],"department":"minzheng","org_code":"150302003012"}`},
		"POST /api/v1/admin/users/{username}/changes": {Path: "/api/v1/admin/users/m_collector/changes", Body: `{"kind":"unlock"}`,
			Roles: "sysadmin,secadmin", Want: 200},
		"GET /api/v1/admin/settings": {Path: "/api/v1/admin/settings", Roles: "sysadmin,secadmin", Want: 200},
		"GET /api/v1/audit/verify":   {Path: "/api/v1/audit/verify", Roles: "auditor", Want: 200},
		"GET /api/v1/audit/export":   {Path: "/api/v1/audit/export?user=m_collector", Roles: "auditor", Want: 200},
		"GET /api/v1/meta/fields":    {Path: "/api/v1/meta/fields", Roles: "*", Want: 200},
	} {
		matrix[p] = row
	}
}

// TestAdministrationAPI: the system administrator creates an account (initial password shown
// once); it locks itself out; the security administrator unlocks it and it signs in; the auditor
// finds the unlock by the administrator's name and the day, in Chinese, verifies the chain and
// downloads the search as a workbook.
func TestAdministrationAPI(t *testing.T) {
	e := newTestEnv(t)
	sys := e.login(t, e.addUser(t, "sys", auth.RoleSysAdmin, "minzheng", "1503", false))
	sec := e.login(t, e.addUser(t, "sec", auth.RoleSecAdmin, "minzheng", "1503", false))
	aud := e.login(t, e.addUser(t, "aud", auth.RoleAuditor, "minzheng", "1503", false))

	bad := []struct{ name, body, field string }{
		{"no user name", `{"name":"张三","roles":["collector"],"department":"minzheng","org_code":"150302003012"}`, "username"},
		{"administrator with another role", `{"username":"x1","name":"张三","roles":["sysadmin","collector"],"department":"minzheng","org_code":"1503"}`, "roles"},
		{"no org unit", `{"username":"x2","name":"张三","roles":["collector"],"department":"minzheng"}`, "org_code"},
		{"weak password", `{"username":"x3","name":"张三","roles":["collector"],"department":"minzheng","org_code":"150302003012","password":"abc"}`, ""},
	}
	for _, tt := range bad {
		status, out := sys.do(t, "POST", "/api/v1/admin/users", tt.body)
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if status != 422 || !regexp.MustCompile(`\p{Han}`).MatchString(msg) {
			t.Errorf("%s: %d %v, want 422 with a Chinese message", tt.name, status, out)
		}
		if tt.field != "" && !strings.Contains(mustJSONValue(out), `"field":"`+tt.field+`"`) {
			t.Errorf("%s: %v, want the field %s", tt.name, out, tt.field)
		}
	}
	status, out := sys.do(t, "POST", "/api/v1/admin/users", `{"username":"wang","name":"王网格","roles":["collector"],"department":"minzheng","org_code":"150302003012"}`)
	pw, _ := out["initial_password"].(string)
	if status != 201 || pw == "" {
		t.Fatalf("create: %d %v", status, out)
	}
	// The account is held after failed sign-ins (as the sign-in flow does it).
	e.setUser(t, "wang", func(u *auth.User) { u.FailedLogins, u.LockedUntil = 10, e.clock.Now().Add(5*time.Minute) })
	status, out = sys.do(t, "GET", "/api/v1/admin/users", "")
	if status != 200 || !strings.Contains(mustJSONValue(out), `"username":"wang"`) || !strings.Contains(mustJSONValue(out), `"locked":true`) {
		t.Fatalf("list: %d %v", status, out)
	}
	// The security administrator may unlock, not disable; the system administrator may disable.
	if status, _ := sec.do(t, "POST", "/api/v1/admin/users/wang/changes", `{"kind":"disable"}`); status != 403 {
		t.Errorf("security administrator disables: %d, want 403", status)
	}
	if status, out := sec.do(t, "POST", "/api/v1/admin/users/wang/changes", `{"kind":"unlock"}`); status != 200 || out["user"].(map[string]any)["locked"] != false {
		t.Fatalf("unlock: %d %v", status, out)
	}
	if status, out := e.signIn(t, "10.0.0.10", map[string]string{"username": "wang", "password": pw}); status != 200 {
		t.Errorf("sign-in after the unlock: %d %v", status, out)
	}
	if status, out := sec.do(t, "POST", "/api/v1/admin/users/nobody/changes", `{"kind":"unlock"}`); status != 404 {
		t.Errorf("unknown account: %d %v", status, out)
	}

	// The auditor finds the unlock by the administrator's name and the day, in Chinese.
	day := e.clock.Now().In(chinaTime).Format("2006-01-02")
	status, out = aud.do(t, "GET", "/api/v1/audit?user=sec&action=user.update&from="+day+"&to="+day, "")
	items, _ := out["items"].([]any)
	if status != 200 || len(items) != 1 {
		t.Fatalf("audit search: %d %v", status, out)
	}
	it := items[0].(map[string]any)
	if it["action_label"] != "修改账号" || it["actor_label"] != "用户 sec" || it["object_label"] != "账号 wang" || !strings.Contains(it["detail_text"].(string), "操作：解除锁定") {
		t.Errorf("entry labels: %v", it)
	}
	if status, out := aud.do(t, "GET", "/api/v1/audit?from=2025-13-01", ""); status != 400 || !strings.Contains(mustJSONValue(out), "起始日期") {
		t.Errorf("bad date: %d %v", status, out)
	}
	if status, out := aud.do(t, "GET", "/api/v1/audit/verify", ""); status != 200 || out["ok"] != true || out["entries"].(float64) < 5 {
		t.Errorf("verify: %d %v", status, out)
	}
	rec := aud.raw("GET", "/api/v1/audit/export?user=sec", "", true)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Content-Type"), "spreadsheetml") || rec.Body.Len() < 1000 {
		t.Errorf("export: %d %s", rec.Code, rec.Header())
	}
	if status, _ := sys.do(t, "GET", "/api/v1/audit/verify", ""); status != 403 {
		t.Errorf("system administrator verifies the trail: %d, want 403", status)
	}
}

// TestFieldDictionary: every item of the record has a Chinese label, the sensitive ones are
// marked, and every audit action the dictionary names has a Chinese name.
func TestFieldDictionary(t *testing.T) {
	han := regexp.MustCompile(`\p{Han}`)
	fields := RecordFields()
	if len(fields) < 60 {
		t.Fatalf("%d fields, want the whole record", len(fields))
	}
	seen := map[string]fieldJSON{}
	for _, f := range fields {
		seen[f.Path] = f
		if !han.MatchString(f.Label) {
			t.Errorf("%s: label %q is not Chinese", f.Path, f.Label)
		}
	}
	for _, tt := range []struct {
		path      string
		sensitive bool
		codes     string
	}{
		{"name", true, ""}, {"father.phone", true, ""}, {"sex", false, "sex"}, {"father.capacity", false, "capacity"},
		{"caregiver.relation", false, "caregiver_relation"}, {"residence_address.detail", true, ""}, {"birth_date", false, ""},
	} {
		f, ok := seen[tt.path]
		if !ok || f.Sensitive != tt.sensitive || f.Codes != tt.codes {
			t.Errorf("%s: %+v, want sensitive %v codes %q", tt.path, f, tt.sensitive, tt.codes)
		}
	}
	if f := seen["caregiver"]; len(f.Forms) != 1 || f.Forms[0] != "附件2" {
		t.Errorf("caregiver forms %v", f.Forms)
	}
	for _, tt := range []struct{ actor, want string }{
		{"user:zhang", "用户 zhang"}, {"cli:root", "服务器命令行（root）"}, {"system:daily", "系统任务（每日复核）"}, {"anonymous", "未登录"},
	} {
		if got := ActorLabel(tt.actor); got != tt.want {
			t.Errorf("ActorLabel(%q) = %q, want %q", tt.actor, got, tt.want)
		}
	}
	if got := DetailText(map[string]any{"field": "father.phone", "purpose": "电话回访", "uid": "x"}); got != "目的：电话回访；项目：父亲联系方式" {
		t.Errorf("DetailText = %q", got)
	}
}

// TestTOTPEnrolmentQR: beginning an enrolment answers the QR code of the secret as a PNG.
func TestTOTPEnrolmentQR(t *testing.T) {
	e := newTestEnv(t)
	u := e.addUser(t, "qr", auth.RoleCollector, "minzheng", "150302003012", false)
	c := e.login(t, u)
	status, out := c.do(t, "POST", "/api/v1/session/totp", `{"password":"`+u.Password+`"}`)
	qr, _ := out["qr"].(string)
	if status != 200 || !strings.HasPrefix(qr, "data:image/png;base64,") || len(qr) < 500 {
		t.Fatalf("begin: %d %.200v", status, out)
	}
}
