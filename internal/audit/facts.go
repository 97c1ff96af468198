package audit

// FactsBackfill: the statistics projection (store, migration 0020) filled in for records written
// before it existed; the detail holds the count.
const FactsBackfill = "facts.backfill"
