package audit

// Actions of keeping the register current (issue 13): re-evaluation, the review queue worked,
// hand-over between divisions and department values taken into the record.
const (
	Reclassify       = "reclassify.chunk"  // a chunk of a re-evaluation whose answers moved (counts by answer, rule version)
	ReviewConfirm    = "review.confirm"    // an item of the re-evaluation queue confirmed (record kept, answers accepted)
	ReviewArchive    = "review.archive"    // a record archived from the re-evaluation queue with its reason
	HandoverRequest  = "handover.request"  // a 迁出 / 迁入 asked for
	HandoverDecide   = "handover.decide"   // a hand-over accepted or refused by the receiving division
	HandoverList     = "handover.list"     // hand-overs listed (children masked)
	DiscrepancyAdopt = "discrepancy.adopt" // a department's value taken into the record (new version)
)
