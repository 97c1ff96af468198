package audit

// Actions of the key-care ledger (重点关爱服务对象信息台账, issue 14), written by the store in the
// same transaction as the change or before the data read leave it.
const (
	LedgerSync    = "ledger.sync"    // entries opened, reopened or flagged because a child's key care changed
	LedgerList    = "ledger.list"    // entries listed (masked) or the work lists read
	LedgerRead    = "ledger.read"    // one case read: plan, visits, referrals, history
	LedgerAssess  = "ledger.assess"  // risk level, needs, 责任人 and 包联干部 set
	LedgerMeasure = "ledger.measure" // a measure of the care plan added
	LedgerVisit   = "ledger.visit"   // a visit recorded
	LedgerRefer   = "ledger.refer"   // a referral sent to a department
	LedgerAnswer  = "ledger.answer"  // a referral accepted or returned by its department
	LedgerClose   = "ledger.close"   // closure requested, approved or refused
	LedgerExport  = "ledger.export"  // the 台账 workbook or a one-child print written
	LedgerAttach  = "ledger.attach"  // an attachment stored or read
	LedgerStats   = "ledger.stats"   // ledger statistics read
)
