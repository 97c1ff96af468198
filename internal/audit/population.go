package audit

// Actions of the population figures and coverage (issue 18).
const (
	PopulationImport = "population.import" // population figures of the statistics bureau imported
)
