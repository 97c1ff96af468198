package audit

// Actions of the case workers' screens (docs/security.md, “Who sees names”).
const (
	// ChildNames: a list showed the full names of the children it names (uids) to a case worker
	// of their jurisdiction (collector, civil-affairs reviewer); the record itself is audited as
	// child.read when it is opened.
	ChildNames = "child.names"
	// LeadVisit: home-visit leads listed with the names and the address to visit in full, for the
	// collector or reviewer who visits (the leads' uids).
	LeadVisit = "lead.visit"
)
