package audit

// Actions of the workflows after the children's registry (rosters, review, discrepancies,
// leads, campaigns): every read of personal data and every change they make is one of these,
// written by the store in the same transaction as the change (docs/security.md).
const (
	ImportBegin        = "import.begin"        // an import of registration forms or a roster started
	ImportChunk        = "import.chunk"        // a chunk of an import committed (the records it created and changed)
	ImportRecovered    = "import.recovered"    // a batch left running by a process that died, marked failed
	ImportRejectsRead  = "import.rejects"      // the rejected rows of an import downloaded
	RosterDecide       = "roster.decide"       // a review pair accepted or rejected
	RosterPairsList    = "roster.pairs"        // review pairs listed (masked)
	DiscrepancyList    = "discrepancy.list"    // a discrepancy report read (masked)
	DiscrepancyResolve = "discrepancy.resolve" // a discrepancy closed with a note
	LeadList           = "lead.list"           // home-visit leads listed (masked)
	LeadClose          = "lead.close"          // a lead's home visit recorded
	CampaignCreate     = "campaign.create"     // a campaign deployed
	ReviewResolve      = "review.resolve"      // an item of the re-evaluation queue closed
)
