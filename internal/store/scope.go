package store

import (
	"context"
	"strings"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
)

// The gate (docs/security.md "Who may do what"): every store method that reads or changes a
// child, a roster batch or row, a reject file, a review pair, a discrepancy, a lead, a
// verification list, a campaign or an export reads the acting principal from the context
// (auth.PrincipalFrom) and
//
//   - refuses a context without one (a programming error, never "full access");
//   - checks the principal's permission for the action;
//   - bounds its SQL by the principal's jurisdiction (属地管理) and, for a department officer,
//     the department (the conditions below, one per kind of object);
//   - writes its audit entry in the same transaction as the change, or before the data read
//     leave the store.
//
// Jurisdiction: a child is in a principal's jurisdiction when its residence division or its
// hukou division lies in the subtree of the principal's org unit (migrant children belong to
// the place they live, left-behind children to their hukou place, and a child of either kind is
// known to both places). Outside it a child does not exist: reads answer not_found, lists
// neither return nor count it; Create and Update refuse (forbidden) a record neither of whose
// divisions is in the jurisdiction. The operator of the command line and the server's own jobs
// (auth.Operator, auth.System) act over the whole database, audited under their names.

// errNoPrincipal refuses a call made without anyone acting: every caller puts a principal in
// the context (web: the request's, command line: the operator, jobs: the system).
func errNoPrincipal() *Error { return errForbidden("操作人不明，拒绝访问") }

// errNoAccess refuses a principal without any of the permissions a read needs.
func errNoAccess() *Error { return errForbidden("您的角色没有查看儿童记录的权限") }

// gate returns the principal of ctx when it holds one of perms (any principal when perms is
// empty), else the refusal; deny is the message for a principal without the permission.
func gate(ctx context.Context, deny string, perms ...string) (*auth.Principal, error) {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return nil, errNoPrincipal()
	}
	if len(perms) == 0 {
		return p, nil
	}
	for _, perm := range perms {
		if p.Can(perm) {
			return p, nil
		}
	}
	if deny == "" {
		deny = "您的角色无权进行此操作"
	}
	return nil, errForbidden(deny)
}

// jurisdiction returns the principal's jurisdiction as a code prefix, "" for the whole
// database, or a refusal for a user without an org unit.
func jurisdiction(p *auth.Principal) (string, bool, error) {
	if p.Whole() {
		return "", true, nil
	}
	if p.Scope == "" {
		return "", false, errForbidden("您的账号没有所属单位，不能查看辖区数据")
	}
	return p.Scope, false, nil
}

// childCond is the condition on the children table (alias prefix, e.g. "c.") that keeps rows in
// p's jurisdiction, "" for the whole database.
func childCond(p *auth.Principal, prefix string) (string, []any, error) {
	code, whole, err := jurisdiction(p)
	if err != nil || whole {
		return "", nil, err
	}
	return "((" + prefix + "res_code >= ? AND " + prefix + "res_code < ?) OR (" + prefix + "hukou_code >= ? AND " + prefix + "hukou_code < ?))",
		[]any{code, code + "~", code, code + "~"}, nil
}

// regionCond keeps rows whose division column col (a natural-length or padded code) lies in p's
// jurisdiction, "" for the whole database.
func regionCond(p *auth.Principal, col string) (string, []any, error) {
	code, whole, err := jurisdiction(p)
	if err != nil || whole {
		return "", nil, err
	}
	return "(" + col + " >= ? AND " + col + " < ?)", []any{code, code + "~"}, nil
}

// deptCond keeps rows whose roster department column col is one the principal works (its own
// department's; every one for civil affairs: "").
func deptCond(p *auth.Principal, col string) (string, []any) {
	ds := p.RosterDepartments()
	if ds == nil {
		return "", nil
	}
	if len(ds) == 0 {
		return "1 = 0", nil
	}
	args := make([]any, len(ds))
	for i, d := range ds {
		args[i] = d
	}
	return col + " IN (?" + strings.Repeat(", ?", len(ds)-1) + ")", args
}

// batchCond keeps import batches (alias b) a principal may see: its own uploads, and those
// uploaded by an org unit within its jurisdiction — of its own department's rosters for a
// department officer, of any kind for civil affairs. Batches recorded before uploads carried
// their org unit (org_code NULL) are the operator's only, unless the principal uploaded them.
func batchCond(p *auth.Principal, b string) (string, []any, error) {
	code, whole, err := jurisdiction(p)
	if whole {
		return "", nil, nil
	}
	own := b + ".actor = ?"
	if err != nil {
		return own, []any{p.Actor()}, nil
	}
	cond := "(" + b + ".org_code >= ? AND " + b + ".org_code < ?)"
	args := []any{code, code + "~"}
	if dc, dargs := deptCond(p, b+".department"); dc != "" {
		cond += " AND " + b + ".kind = 'roster' AND " + dc
		args = append(args, dargs...)
	}
	return "(" + own + " OR (" + cond + "))", append([]any{p.Actor()}, args...), nil
}

// scope returns the SQL condition (on the children table, with alias prefix) that restricts
// rows to the principal's jurisdiction, "" for the whole database. The principal must hold one
// of perms.
func scope(ctx context.Context, prefix string, perms ...string) (string, []any, error) {
	p, err := gate(ctx, errNoAccess().Message, perms...)
	if err != nil {
		return "", nil, err
	}
	return childCond(p, prefix)
}

// ScopeCondition is scope for the store's other files (statistics): the condition on children
// (alias prefix, e.g. "c.") that keeps the principal of ctx inside its jurisdiction, with its
// arguments; "" for the whole database. perms: any of them allows the read.
func ScopeCondition(ctx context.Context, prefix string, perms ...string) (string, []any, error) {
	return scope(ctx, prefix, perms...)
}

// andWhere adds cond to a WHERE clause built by where ("" or " WHERE …").
func andWhere(where string, args []any, cond string, cargs []any) (string, []any) {
	if cond == "" {
		return where, args
	}
	if where == "" {
		return " WHERE " + cond, cargs
	}
	return where + " AND " + cond, append(args, cargs...)
}

// scopedWhere is where(q) restricted to the jurisdiction of ctx's principal.
func (s *Store) scopedWhere(ctx context.Context, q *Query, perms ...string) (string, []any, error) {
	cond, cargs, err := scope(ctx, "", perms...)
	if err != nil {
		return "", nil, err
	}
	where, args, err := s.where(q)
	if err != nil {
		return "", nil, err
	}
	where, args = andWhere(where, args, cond, cargs)
	return where, args, nil
}

// recordInScope reports whether the record's residence or hukou division is in p's
// jurisdiction.
func recordInScope(p *auth.Principal, r *child.Record) bool {
	return p.InScope(r.ResidenceAddr.Region()) || p.InScope(r.HukouAddress.Region())
}

// matchesInScope reports whether every record an import row matched is in p's jurisdiction.
func matchesInScope(p *auth.Principal, sts []*importState) (bool, error) {
	for _, st := range sts {
		if err := st.decode(); err != nil {
			return false, err
		}
		if !recordInScope(p, &st.c.Record) {
			return false, nil
		}
	}
	return true, nil
}

// checkRecordScope refuses a record that the principal could not see once written.
func checkRecordScope(ctx context.Context, r *child.Record) error {
	p := auth.PrincipalFrom(ctx)
	if p == nil {
		return errNoPrincipal()
	}
	if recordInScope(p, r) {
		return nil
	}
	return &Error{Code: CodeForbidden, Message: "只能登记和修改现居住地或户籍地在本辖区内的儿童",
		Fields: []child.Issue{{Field: "residence_address.region_code", Code: "out_of_scope", Message: "现居住地和户籍地都不在您的辖区内"}}}
}

// criteria is what the audit trail keeps of a search: the filters, with the name and ID numbers
// masked (the criteria are kept, not the results; the trail holds no personal data in clear).
func (q *Query) criteria() map[string]any {
	m := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	if q.Name != "" {
		set("name", child.MaskName(q.Name))
	}
	if q.IDNumber != "" {
		set("id_number", idcard.Mask(idcard.Normalize(q.IDNumber)))
	}
	if q.ParentIDNumber != "" {
		set("parent_id_number", idcard.Mask(idcard.Normalize(q.ParentIDNumber)))
	}
	set("region", q.Region)
	set("region_of", q.RegionOf)
	if len(q.Status) > 0 {
		m["status"] = q.Status
	}
	set("migrant_monitoring", q.MigrantMonitoring)
	set("migrant_statistics", q.MigrantStatistics)
	set("left_behind", q.LeftBehind)
	set("key_care", q.KeyCare)
	set("key_care_reason", q.KeyCareReason)
	set("sex", q.Sex)
	set("school_stage", q.SchoolStage)
	set("medical_insurance", q.MedicalInsurance)
	set("disability", q.Disability)
	if q.AgeMin != nil {
		m["age_min"] = *q.AgeMin
	}
	if q.AgeMax != nil {
		m["age_max"] = *q.AgeMax
	}
	if q.IncludeArchived {
		m["include_archived"] = true
	}
	if q.Offset > 0 {
		m["offset"] = q.Offset
	}
	return m
}

// actorFor is the actor a write records: always the principal's name when there is one (a
// caller cannot record someone else); actor only names who acts in a context without one,
// which the gate then refuses.
func actorFor(ctx context.Context, actor string) string {
	if p := auth.PrincipalFrom(ctx); p != nil {
		return p.Actor()
	}
	return actor
}

// wholeOnly refuses everyone but the operator and the server's jobs: the work that spans the
// whole database (re-evaluation, snapshots, recovery, keys).
func wholeOnly(ctx context.Context, deny string) error {
	p, err := gate(ctx, "")
	if err != nil {
		return err
	}
	if !p.Whole() {
		return errForbidden(deny)
	}
	return nil
}

// OutOfScope reports whether the principal of ctx could not see the record once written (the
// rule Create and Update apply), for a preview to tell before anything is written.
func OutOfScope(ctx context.Context, r *child.Record) bool {
	p := auth.PrincipalFrom(ctx)
	return p == nil || !recordInScope(p, r)
}
