package stats

import "guanai/internal/child"

// The immunisation dimension (issue 18): 疾控's 国家免疫规划疫苗接种情况 kept in the record, for
// cross-tabs (GET /api/v1/stats/crosstab?rows=immunization&cols=type) — counted, 不详 where no
// roster said.
func init() {
	for _, c := range child.ImmunizationStatus.Codes() {
		codeLists[child.ImmunizationStatus] = append(codeLists[child.ImmunizationStatus], c.Code)
	}
	staticDims["immunization"] = func() *dim {
		return codeDim("immunization", "国家免疫规划疫苗接种情况", child.ImmunizationStatus, func(r *child.Record) string { return r.Immunization })
	}
	dimOrder = append(dimOrder, "immunization")
}
