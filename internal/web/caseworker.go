package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/store"
	"guanai/internal/workflow"
)

// The case workers' screens: who sees names, the list's query and what it matched on, and batch
// transitions of a review queue.

var caseworkerAccess = map[string]Access{
	// The handler's store call checks which permission by the target status, per record.
	"POST /api/v1/children/batch-transitions": perms(auth.PermChildrenSubmit, auth.PermChildrenReview),
	// A collector deletes (archives) a draft of its own.
	"POST /api/v1/children/{uid}/discard": perms(auth.PermChildrenCreate),
}

func init() {
	for p, a := range caseworkerAccess {
		access[p] = a
	}
}

// caseworkerRoutes registers the case workers' routes; routes() calls it.
func (s *Server) caseworkerRoutes() {
	if _, ok := s.Children.(batchTransitioner); !ok {
		return
	}
	s.handle("POST /api/v1/children/batch-transitions", s.batchTransition)
	s.handle("POST /api/v1/children/{uid}/discard", s.discardDraft)
}

// seesNames says whether the principal of ctx works cases — registers, corrects, submits and
// reviews records: the collector and the civil-affairs reviewer (children.edit), and the
// operator — and so sees the names of the children of its jurisdiction, and of their parents,
// guardians and caregivers, in full. The store gives nobody a record outside the jurisdiction,
// and every reading is audited (child.read for a record, child.names for a list). Department
// officers, statisticians and oversight see names masked, unless they reveal one with a purpose.
// ID numbers, phones and detail addresses stay masked for everyone until revealed.
func seesNames(ctx context.Context) bool {
	p := auth.PrincipalFrom(ctx)
	return p != nil && p.Can(auth.PermChildrenEdit)
}

// namesShown is the "names" item of an answer: how it shows names.
func namesShown(full bool) string {
	if full {
		return "full"
	}
	return "masked"
}

// maskRecordFor masks a record for the principal of ctx: MaskRecord, with the names kept in full
// for a case worker (seesNames).
func maskRecordFor(ctx context.Context, r *child.Record) {
	if !seesNames(ctx) {
		MaskRecord(r)
		return
	}
	names := []*string{&r.Name}
	for _, p := range []*child.Parent{r.Father, r.Mother} {
		if p != nil {
			names = append(names, &p.Name)
		}
	}
	if r.OtherGuardian != nil {
		names = append(names, &r.OtherGuardian.Name)
	}
	if r.Caregiver != nil {
		names = append(names, &r.Caregiver.Name)
	}
	kept := make([]string, len(names))
	for i, n := range names {
		kept[i] = *n
	}
	MaskRecord(r)
	for i, n := range names {
		*n = kept[i]
	}
}

// childQuery reads the list's filters, order and page from a URL query.
func childQuery(v url.Values) (store.Query, error) {
	q := store.Query{
		Name: v.Get("name"), IDNumber: v.Get("id_number"), Region: v.Get("region"), RegionOf: v.Get("region_of"),
		MigrantMonitoring: v.Get("migrant_monitoring"), MigrantStatistics: v.Get("migrant_statistics"),
		LeftBehind: v.Get("left_behind"), KeyCare: v.Get("key_care"), KeyCareReason: v.Get("key_care_reason"),
		Sex: v.Get("sex"), SchoolStage: v.Get("school_stage"), MedicalInsurance: v.Get("medical_insurance"),
		Disability: v.Get("disability"), Sort: v.Get("sort"), After: v.Get("after"),
	}
	switch q.Sort {
	case store.SortNewest, store.SortUpdated, store.SortOldest:
	default:
		return q, &Error{Code: "bad_request", Message: "排序应为 updated（最近修改在前）或 oldest（最早登记在前）"}
	}
	if st := v.Get("status"); st != "" {
		q.Status = strings.Split(st, ",")
	}
	q.IncludeArchived = v.Get("include_archived") == "true"
	for key, dst := range map[string]**int{"age_min": &q.AgeMin, "age_max": &q.AgeMax} {
		if a := v.Get(key); a != "" {
			n, err := strconv.Atoi(a)
			if err != nil || n < 0 || n > 30 {
				label := map[string]string{"age_min": "最小年龄", "age_max": "最大年龄"}[key]
				return q, &Error{Code: "bad_request", Message: label + "应为 0–30 的整数"}
			}
			*dst = &n
		}
	}
	if q.Limit = atoiDefault(v.Get("limit"), 20); q.Limit < 1 || q.Limit > 500 {
		return q, &Error{Code: "bad_request", Message: "每页条数应为 1–500"}
	}
	if q.Offset = atoiDefault(v.Get("offset"), 0); q.Offset < 0 {
		return q, &Error{Code: "bad_request", Message: "起始位置不能为负数"}
	}
	return q, nil
}

// latinOnly says whether s is made of Latin letters (and spaces): a pinyin query.
func latinOnly(s string) bool {
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || r == ' ')) {
			return false
		}
	}
	return s != ""
}

// matchedOn says in Chinese what a list query matched on, one item per criterion of a person
// (the filters of the form say the rest).
func matchedOn(q *store.Query) []string {
	var out []string
	if n := strings.TrimSpace(q.Name); n != "" {
		if latinOnly(n) {
			out = append(out, "姓名拼音“"+n+"”：全拼或首字母")
		} else {
			out = append(out, "姓名“"+n+"”：全名一致（不区分繁简体和空格）")
		}
	}
	if id := strings.TrimSpace(q.IDNumber); id != "" {
		out = append(out, "公民身份号码 "+idcard.Mask(idcard.Normalize(id))+"：完整号码一致")
	}
	return out
}

// whyNone explains an empty answer: what the search needs that the query may not have given.
func whyNone(q *store.Query) string {
	n := strings.TrimSpace(q.Name)
	id := idcard.Normalize(strings.TrimSpace(q.IDNumber))
	switch {
	case id != "" && len(id) != 18:
		return "公民身份号码须输入完整的 18 位：号码加密保存，只能按完整号码查找，不能按末几位查找；只知道部分号码时，请按姓名或出生日期、所在地等条件查找"
	case n != "" && !latinOnly(n) && len([]rune(n)) == 1:
		return "姓名须输入全名（如“王小明”），只输入姓“" + n + "”查不到：姓名加密保存，只能按全名查找；也可以输入拼音全拼（wangxiaoming）或首字母（wxm）"
	case n != "" && !latinOnly(n):
		return "没有姓名为“" + n + "”的儿童：姓名按全名查找，请核对用字，或改输入拼音首字母（如 wxm）查找读音相同的姓名"
	case n != "":
		return "没有拼音为“" + n + "”的儿童：请输入全拼（wangxiaoming）或首字母（wxm），不要夹带声调或数字"
	case id != "":
		return "本辖区没有使用这个公民身份号码的儿童（已归档的记录不在默认范围内）"
	}
	return "没有同时符合全部条件的儿童；可以减少条件后再查"
}

// batchTransition is POST /api/v1/children/batch-transitions: move many records to one status
// at once — the records chosen ({"uids": […]}), or all of a list's filter ({"filter":
// "status=submitted&region=150302", "expect": N}, refused when the filter no longer gives the N
// records the user confirmed) — with one comment or reason for all. Each record is moved, or
// refused, as one transition would be.
func (s *Server) batchTransition(w http.ResponseWriter, r *http.Request) {
	var req struct {
		To     string   `json:"to"`
		Reason string   `json:"reason"`
		UIDs   []string `json:"uids"`
		Filter *string  `json:"filter"`
		Expect int      `json:"expect"`
	}
	if err := readJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	uids := req.UIDs
	if req.Filter != nil {
		if len(uids) > 0 {
			s.fail(w, r, &Error{Code: "bad_request", Message: "请只给出所选记录或筛选条件之一"})
			return
		}
		v, err := url.ParseQuery(*req.Filter)
		if err != nil {
			s.fail(w, r, &Error{Code: "bad_request", Message: "筛选条件无法识别"})
			return
		}
		v.Del("after")
		v.Set("limit", strconv.Itoa(store.MaxBatchTransition))
		v.Set("offset", "0")
		v.Set("sort", store.SortOldest)
		q, err := childQuery(v)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		page, err := s.Children.Search(r.Context(), q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if page.Total > store.MaxBatchTransition {
			s.fail(w, r, &Error{Code: "invalid", Message: "筛选出 " + strconv.Itoa(page.Total) + " 条记录，一次最多处理 " +
				strconv.Itoa(store.MaxBatchTransition) + " 条，请缩小筛选范围（如按乡镇、村居）后分批处理"})
			return
		}
		if page.Total != req.Expect {
			s.fail(w, r, &Error{Code: "conflict", Message: "符合筛选条件的记录已变为 " + strconv.Itoa(page.Total) + " 条（确认时为 " +
				strconv.Itoa(req.Expect) + " 条），请刷新列表后重新确认"})
			return
		}
		for _, c := range page.Items {
			uids = append(uids, c.UID)
		}
	}
	res, err := s.Children.(batchTransitioner).TransitionBatch(r.Context(), actor(r), uids, req.To, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	refused := make([]map[string]string, 0, len(res.Refused))
	for _, f := range res.Refused {
		refused = append(refused, map[string]string{"uid": f.UID, "message": f.Message})
	}
	done := res.Done
	if done == nil {
		done = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"batch": res.Batch, "to": req.To, "to_label": store.StatusLabel(req.To),
		"done": done, "refused": refused})
}

// batchTransitioner is the store's TransitionBatch and DiscardDraft.
type batchTransitioner interface {
	TransitionBatch(ctx context.Context, actor string, uids []string, to, reason string) (store.BatchResult, error)
	DiscardDraft(ctx context.Context, actor, uid, reason string) (*store.Child, error)
}

// discardDraft is POST /api/v1/children/{uid}/discard: the collector deletes a draft it
// registered (archived with the reason 草稿作废, kept in the history).
func (s *Server) discardDraft(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	c, err := s.Children.(batchTransitioner).DiscardDraft(r.Context(), actor(r), r.PathValue("uid"), req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(r.Context(), c))
}

// leadsForVisit shows the collector and the civil-affairs reviewer who work the leads (leads.work
// and seesNames) the names and the address to visit in full — a masked address cannot be
// visited — and audits it with the leads shown (audit.LeadVisit); others keep the masked view.
// It returns whether the names were shown in full.
func (s *Server) leadsForVisit(ctx context.Context, ls []store.Lead, out []workflow.LeadView) (bool, error) {
	if !seesNames(ctx) || !auth.PrincipalFrom(ctx).Can(auth.PermLeadsWork) || len(ls) == 0 {
		return false, nil
	}
	uids := make([]string, len(ls))
	for i := range ls {
		full := workflow.RosterPerson(&ls[i].Record, workflow.InFull)
		p := &out[i].Person
		p.Name, p.FatherName, p.MotherName, p.ResidenceDetail = full.Name, full.FatherName, full.MotherName, full.ResidenceDetail
		uids[i] = ls[i].UID
	}
	if err := s.Accounts.Audit(ctx, audit.LeadVisit, "leads", map[string]any{"leads": uids}); err != nil {
		return false, err
	}
	return true, nil
}
