package store

import (
	"context"
	"os"
	"os/user"
	"sync"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/idcard"
)

// Jurisdiction (属地管理). The acting user travels in the context: the web layer puts every
// request's principal there with WithPrincipal, and the store filters every read and write of
// children by it, in the SQL itself:
//
//   - a child is in a principal's jurisdiction when its residence division or its hukou division
//     lies in the subtree of the principal's org unit (migrant children belong to the place they
//     live, left-behind children to their hukou place, and a child of either kind is known to
//     both places);
//   - outside it, a child does not exist: Get, History, Update and Transition answer not_found,
//     Search, List, Each and EachSummary never return or count it;
//   - Create and Update refuse (forbidden) a record neither of whose divisions is in the
//     jurisdiction, so that nobody can register a child they would not see.
//
// A context without a principal is the local operator of the command line (guanai import,
// export, stats): full access, audited as cli:<os user>. The web layer never lets a request
// through without a principal.

type principalKey struct{}

type clientKey struct{}

// WithPrincipal returns ctx carrying the acting principal.
func WithPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal of ctx, nil for the command line.
func PrincipalFrom(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

// WithClientIP returns ctx carrying the client's address, for the audit trail.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, clientKey{}, ip)
}

func clientIP(ctx context.Context) string {
	ip, _ := ctx.Value(clientKey{}).(string)
	return ip
}

var cliActor = sync.OnceValue(func() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		return "cli"
	}
	return "cli:" + name
})

// ActorOf names who acts in ctx for the audit trail: user:<name> or cli:<os user>.
func ActorOf(ctx context.Context) string {
	if p := PrincipalFrom(ctx); p != nil {
		return p.Actor()
	}
	return cliActor()
}

// actorFor is the actor a write records: the principal's name when there is one (a handler
// cannot record someone else), else the caller's actor (the command line's --actor).
func actorFor(ctx context.Context, actor string) string {
	if p := PrincipalFrom(ctx); p != nil {
		return p.Actor()
	}
	return actor
}

// errNoAccess refuses a principal without any of the permissions a read needs.
func errNoAccess() *Error { return errForbidden("您的角色没有查看儿童记录的权限") }

// scope returns the SQL condition (on the children table, with alias prefix) that restricts
// rows to the principal's jurisdiction, "" for the command line. The principal must hold one of
// perms.
func scope(ctx context.Context, prefix string, perms ...string) (string, []any, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		return "", nil, nil
	}
	ok := false
	for _, perm := range perms {
		ok = ok || p.Can(perm)
	}
	if !ok {
		return "", nil, errNoAccess()
	}
	if p.Scope == "" {
		return "", nil, errForbidden("您的账号没有所属单位，不能查看儿童记录")
	}
	code := p.Scope
	return "((" + prefix + "res_code >= ? AND " + prefix + "res_code < ?) OR (" + prefix + "hukou_code >= ? AND " + prefix + "hukou_code < ?))",
		[]any{code, code + "~", code, code + "~"}, nil
}

// ScopeCondition is scope for the store's other files (statistics, rosters): the condition on
// children (alias prefix, e.g. "c.") that keeps the principal of ctx inside its jurisdiction,
// with its arguments; "" for the command line. perms: any of them allows the read.
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
	return p.Scope != "" && (p.InScope(r.ResidenceAddr.Region()) || p.InScope(r.HukouAddress.Region()))
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
	p := PrincipalFrom(ctx)
	if p == nil || recordInScope(p, r) {
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
