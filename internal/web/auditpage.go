package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/sheet"
	"guanai/internal/store"
)

// The audit administrator's page (issue 15): the list (audit.go's auditList) with Chinese names
// of actions, actors, objects and details, the verification of the chain, and the workbook of a
// search.

// AuditVerifier is the part of the store that verifies the chain; the server's Accounts
// provide it.
type AuditVerifier interface {
	VerifyAudit(ctx context.Context) (store.VerifyResult, error)
}

var auditPageAccess = map[string]Access{
	"GET /api/v1/audit/verify": perms(auth.PermAuditRead),
	"GET /api/v1/audit/export": perms(auth.PermAuditRead),
}

func init() {
	for p, a := range auditPageAccess {
		access[p] = a
	}
}

func (s *Server) auditRoutes() {
	if _, ok := s.Accounts.(AuditVerifier); ok {
		s.handle("GET /api/v1/audit/verify", s.auditVerify)
	}
	s.handle("GET /api/v1/audit/export", s.auditExport)
}

// GET /api/v1/audit/verify: the whole chain checked as guanai audit verify does; a break is
// answered (200) with ok false and the problem in Chinese.
func (s *Server) auditVerify(w http.ResponseWriter, r *http.Request) {
	v, ok := s.Accounts.(AuditVerifier)
	if !ok {
		s.fail(w, r, &Error{Code: "unavailable", Message: "审计日志校验暂不可用"})
		return
	}
	res, err := v.VerifyAudit(r.Context())
	var br *audit.Break
	if err != nil && !asBreak(err, &br) {
		s.fail(w, r, err)
		return
	}
	out := map[string]any{"ok": br == nil, "entries": res.Entries, "keyed": res.Keyed, "checkpoints": res.Checkpoints,
		"last_seq": res.LastSeq, "last_hash": res.LastHash, "anchored": res.Anchor != nil}
	if res.Anchor != nil {
		out["anchor_seq"] = res.Anchor.Seq
	}
	if br != nil {
		out["problem"] = br.Error()
		out["seq"] = br.Seq
	}
	writeJSON(w, http.StatusOK, out)
}

func asBreak(err error, target **audit.Break) bool {
	for err != nil {
		if b, ok := err.(*audit.Break); ok {
			*target = b
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// auditQuery reads the filters of the audit list and its export. user is a user name (the
// actor user:<name>); actor an actor as recorded.
func auditQuery(r *http.Request) (store.AuditQuery, error) {
	v := r.URL.Query()
	q := store.AuditQuery{Actor: v.Get("actor"), Action: v.Get("action"), Object: v.Get("object"),
		Limit: atoiDefault(v.Get("limit"), 50), Offset: atoiDefault(v.Get("offset"), 0)}
	if u := strings.TrimSpace(v.Get("user")); u != "" {
		q.Actor = "user:" + u
	}
	if q.Limit < 1 || q.Limit > 500 || q.Offset < 0 {
		return q, &Error{Code: "bad_request", Message: "每页条数应为 1–500，起始位置不能为负数"}
	}
	for _, key := range []string{"from", "to"} {
		d := v.Get(key)
		if d == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d, chinaTime)
		if err != nil {
			name := map[string]string{"from": "起始日期", "to": "截止日期"}[key]
			return q, &Error{Code: "bad_request", Message: name + "“" + d + "”应为日期，格式 YYYY-MM-DD"}
		}
		if key == "to" {
			q.To = t.AddDate(0, 0, 1)
		} else {
			q.From = t
		}
	}
	return q, nil
}

// auditItem is an entry as the audit page shows it.
type auditItem struct {
	audit.Entry
	At          string `json:"at"`
	ActionLabel string `json:"action_label"`
	ActorLabel  string `json:"actor_label"`
	ObjectLabel string `json:"object_label"`
	DetailText  string `json:"detail_text"`
	Purpose     string `json:"purpose,omitempty"`
}

func auditItemOf(e audit.Entry) auditItem {
	it := auditItem{Entry: e, At: e.At.In(chinaTime).Format("2006-01-02 15:04:05.000"), ActionLabel: audit.Label(e.Action),
		ActorLabel: ActorLabel(e.Actor), ObjectLabel: ObjectLabel(e.Object)}
	var d map[string]any
	if json.Unmarshal(e.Detail, &d) == nil {
		it.DetailText = DetailText(d)
		if p, ok := d["purpose"].(string); ok {
			it.Purpose = p
		}
	}
	return it
}

// GET /api/v1/audit/export: the entries of a search (at most 50,000, newest first) as a
// workbook.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	q, err := auditQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	const most = 50000
	var rows [][]string
	q.Limit, q.Offset = 500, 0
	for len(rows) < most {
		page, err := s.Accounts.AuditEntries(r.Context(), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range page.Items {
			it := auditItemOf(e)
			rows = append(rows, []string{fmt.Sprint(e.Seq), it.At, it.ActorLabel, it.ActionLabel, it.ObjectLabel, it.Purpose, it.DetailText, e.IP, e.Hash})
		}
		if len(page.Items) < q.Limit {
			break
		}
		q.Offset += q.Limit
	}
	header := []string{"序号", "时间", "操作人", "操作", "对象", "目的", "详情", "来源地址", "哈希"}
	var buf bytes.Buffer
	seq := func(yield func([]string) bool) {
		for _, row := range rows {
			if !yield(row) {
				return
			}
		}
	}
	err = sheet.WriteTable(&buf, header, seq, []float64{10, 24, 22, 18, 30, 20, 50, 16, 20},
		sheet.WriteOptions{Format: sheet.XLSX, Title: "审计日志（导出时间 " + chinaStamp(s.Now()) + "）", SheetName: "审计日志"})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeXLSX(w, "审计日志_"+s.Today().String()+".xlsx", buf.Bytes())
}

// ActorLabel names who acted: 用户 zhang, 服务器命令行（root）, 系统任务（每日复核）, 未登录.
func ActorLabel(actor string) string {
	kind, name, _ := strings.Cut(actor, ":")
	switch kind {
	case "user":
		return "用户 " + name
	case "cli":
		return "服务器命令行（" + name + "）"
	case "system":
		if l, ok := systemJobs[name]; ok {
			return "系统任务（" + l + "）"
		}
		return "系统任务"
	case "anonymous":
		return "未登录"
	case "":
		return ""
	}
	return "其他（" + name + "）"
}

var systemJobs = map[string]string{"daily": "每日复核", "stats": "统计留存", "demo": "演示数据", "housekeeping": "日常维护"}

// objectKinds name the kinds of audited objects.
var objectKinds = map[string]string{
	"child": "儿童记录", "user": "账号", "import": "导入批次", "batch": "导入批次", "campaign": "摸排工作", "export": "导出申请",
	"lead": "走访线索", "discrepancy": "差异", "verification": "核查名单", "roster": "部门名册", "pair": "比对结果",
	"review": "复核事项", "snapshot": "统计快照", "release": "统计发布", "region": "地区",
}

// ObjectLabel names an audited object: 儿童记录 8f3a…, 账号 zhang.
func ObjectLabel(object string) string {
	if object == "" {
		return ""
	}
	kind, id, found := strings.Cut(object, ":")
	if !found {
		if l, ok := objectKinds[kind]; ok {
			return l
		}
		if l, ok := map[string]string{"quality": "数据质量", "audit": "审计日志", "keys": "密钥"}[kind]; ok {
			return l
		}
		return "其他"
	}
	if l, ok := objectKinds[kind]; ok {
		return l + " " + id
	}
	return "其他 " + id
}

// detailKeys name the items of an entry's detail that the audit page shows; others are left
// out of the text (they stay in the entry).
var detailKeys = map[string]string{
	"purpose": "目的", "field": "项目", "reason": "原因", "change": "操作", "method": "方式", "roles": "角色",
	"roles_before": "原角色", "department": "部门", "department_before": "原部门", "org_code": "单位", "org_before": "原单位",
	"count": "数量", "records": "记录数", "rows": "行数", "region": "地区", "step": "步骤", "to": "变为", "from": "原为",
	"status": "状态", "approve": "批准", "note": "说明", "failed_logins": "连续失败次数", "locked_until": "锁定至",
	"paths": "修改项目", "criteria": "查询条件", "re_enrol": "重新设置", "refused": "拒绝原因", "on_behalf_of": "代为上传",
	"was_locked": "当时已锁定", "name": "姓名已修改",
}

// detailValues name coded values of the detail.
var detailValues = map[string]string{
	"password": "密码", "totp": "动态口令", "recovery_code": "恢复码", "unknown_user": "用户名不存在", "disabled": "账号已停用",
	"locked": "账号已锁定", "idle": "长时间未操作", "expired": "会话到期", "begin": "开始", "confirm": "确认",
	"address_throttled": "来源地址尝试过多", "totp_replay": "动态口令重复使用", "recovery_code_replay": "恢复码重复使用",
	"submitted": "已提交", "approved": "已审核", "returned": "已退回", "archived": "已归档", "draft": "草稿",
	"education": "教育", "police": "公安", "health": "卫生健康", "insurance": "医保", "disability": "残联",
}

// DetailText writes the known items of an entry's detail in Chinese: 目的：电话回访；项目：父亲联系方式.
func DetailText(d map[string]any) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		if _, ok := detailKeys[k]; ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { // the purpose first, the others by key
		if (keys[i] == "purpose") != (keys[j] == "purpose") {
			return keys[i] == "purpose"
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		parts = append(parts, detailKeys[k]+"："+detailValue(k, d[k]))
	}
	return strings.Join(parts, "；")
}

func detailValue(key string, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		switch key {
		case "field":
			return store.FieldLabel(x)
		case "change":
			if l, ok := store.ChangeLabels[x]; ok {
				return l
			}
		case "department", "department_before":
			if l := auth.DepartmentLabel(x); l != "" {
				return l
			}
		}
		if l, ok := detailValues[x]; ok {
			return l
		}
		return x
	case float64:
		return fmt.Sprint(x)
	case []any:
		var out []string
		for _, e := range x {
			s := detailValue(key, e)
			if key == "roles" || key == "roles_before" {
				if r, ok := auth.RoleByCode(s); ok {
					s = r.Label
				}
			}
			if key == "paths" {
				s = store.FieldLabel(s)
			}
			out = append(out, s)
		}
		return strings.Join(out, "、")
	case map[string]any:
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var out []string
		for _, k := range ks {
			out = append(out, store.FieldLabel(k)+"="+detailValue(k, x[k]))
		}
		return strings.Join(out, "，")
	}
	return fmt.Sprint(v)
}
