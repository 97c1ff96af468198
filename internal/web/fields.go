package web

import (
	"net/http"
	"reflect"
	"strings"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/store"
)

// The field dictionary (issue 15): one answer that names, for the UI, every item of the record
// (its Chinese label, its code table, whether it is masked, the forms it is on), the audit
// actions, roles, departments and permissions, so that no key or code reaches the screen and
// no label is typed again in the UI.

func init() { access["GET /api/v1/meta/fields"] = Access{} }

// fieldJSON is one item of the record.
type fieldJSON struct {
	Path      string   `json:"path"`
	Label     string   `json:"label"`
	Codes     string   `json:"codes,omitempty"` // the key of its code table in /api/v1/meta/codes
	Sensitive bool     `json:"sensitive"`       // masked unless revealed with a purpose
	Forms     []string `json:"forms"`           // 附件1 (migrant), 附件2 (left-behind)
}

// formOnly are the items of one form only (DATA.md); every other item is on both.
var formOnly = map[string]string{
	"co_residents": "附件1", "residence_registration": "附件1", "housing": "附件1", "left_hukou_date": "附件1",
	"arrived_date": "附件1", "other_guardian": "附件1",
	"both_parents_away": "附件2", "one_away_other_incapable": "附件2", "caregiver": "附件2",
}

// codesOf names the code table of an item by its last key (father.capacity → capacity).
func codesOf(path string) string {
	last := path[strings.LastIndexByte(path, '.')+1:]
	if path == "caregiver.relation" || path == "other_guardian.relation" {
		return "caregiver_relation"
	}
	if _, ok := codeTables[last]; ok {
		return last
	}
	return ""
}

// RecordFields lists every item of child.Record as a JSON path, in the record's order.
func RecordFields() []fieldJSON {
	var out []fieldJSON
	dateType := reflect.TypeOf(child.Record{}.BirthDate)
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			path := prefix + name
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			top, _, _ := strings.Cut(path, ".")
			forms := []string{"附件1", "附件2"}
			if f, ok := formOnly[top]; ok {
				forms = []string{f}
			}
			out = append(out, fieldJSON{Path: path, Label: store.FieldLabel(path), Codes: codesOf(path),
				Sensitive: store.Sensitive(path), Forms: forms})
			if ft.Kind() == reflect.Struct && ft != dateType {
				walk(ft, path+".")
			}
		}
	}
	walk(reflect.TypeOf(child.Record{}), "")
	return out
}

// permissionLabels name the permissions.
var permissionLabels = map[string]string{
	auth.PermChildrenRead: "查看儿童记录", auth.PermChildrenCreate: "登记儿童", auth.PermChildrenEdit: "修改记录",
	auth.PermChildrenSubmit: "提交审核", auth.PermChildrenReview: "审核", auth.PermChildrenReveal: "查看完整信息",
	auth.PermChildrenImport: "导入登记表", auth.PermChildrenExport: "导出记录", auth.PermStatsRead: "查看统计",
	auth.PermLeadsRead: "查看走访线索", auth.PermLeadsWork: "处理走访线索", auth.PermRostersImport: "上传部门名册",
	auth.PermAuditRead: "查看审计日志", auth.PermUsersManage: "管理账号", auth.PermKeysManage: "安全管理",
}

// GET /api/v1/meta/fields: the dictionary.
func (s *Server) metaFields(w http.ResponseWriter, r *http.Request) {
	type labelled struct {
		Code  string `json:"code"`
		Label string `json:"label"`
	}
	roles := []labelled{}
	for _, ro := range auth.Roles {
		roles = append(roles, labelled{ro.Code, ro.Label})
	}
	depts := []labelled{}
	for _, d := range auth.Departments {
		depts = append(depts, labelled{d.Code, d.Label})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"fields": RecordFields(), "actions": audit.Labels(), "roles": roles, "departments": depts,
		"permissions": permissionLabels, "account_changes": store.ChangeLabels,
	})
}
