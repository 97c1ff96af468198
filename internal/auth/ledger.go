package auth

// Permissions of the key-care ledger (重点关爱服务对象信息台账, issue 14).
const (
	PermLedgerRead   = "ledger.read"    // the ledger of the jurisdiction: entries, plans, visits, referrals
	PermLedgerWork   = "ledger.work"    // record visits and measures, send referrals, ask for closure
	PermLedgerReview = "ledger.review"  // assess (risk, needs, 责任人), approve closure
	PermReferralWork = "referrals.work" // a department officer's queue: accept or return referrals to the department
)

// ledgerGrants are the ledger permissions of each role: the collector visits, the reviewer keeps
// the ledger (民政), the department officer answers the referrals sent to its department.
var ledgerGrants = map[string][]string{
	RoleCollector: {PermLedgerRead, PermLedgerWork},
	RoleReviewer:  {PermLedgerRead, PermLedgerWork, PermLedgerReview},
	RoleOfficer:   {PermReferralWork},
}

// ReferralDepartments are the departments a case is referred to (转介), in the order.
var ReferralDepartments = []string{"jiaoyu", "gongan", "weijian", "yibao", "canlian", "fulian", "tuanwei", "sifa", "renshe"}

func init() {
	AllPermissions = append(AllPermissions, PermLedgerRead, PermLedgerWork, PermLedgerReview, PermReferralWork)
	for i, r := range Roles {
		Roles[i].Permissions = append(r.Permissions, ledgerGrants[r.Code]...)
	}
	// The departments referrals go to that keep no roster.
	Departments = append(Departments, Department{"fulian", "妇联", nil}, Department{"tuanwei", "团委", nil},
		Department{"sifa", "司法", nil}, Department{"renshe", "人社", nil})
}
