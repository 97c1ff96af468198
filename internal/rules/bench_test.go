package rules

import (
	"testing"

	"guanai/internal/child"
)

// BenchmarkClassify measures rule evaluation alone (no JSON, no reason text) over a mix of
// migrant, left-behind and out-of-scope records.
func BenchmarkClassify(b *testing.B) {
	recs := []child.Record{migrant(), leftBehind(), migrant(), leftBehind()}
	recs[2].HukouAddress = addr("150302002")
	recs[3].Father = nil
	c := cfg()
	c.CentralUrban = [][]string{{"150302", "150303"}}
	asOf := d("2025-06-30")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		res := Classify(&recs[i&3], asOf, c)
		if res.Version == "" {
			b.Fatal("no version")
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReasons measures rendering the Chinese reasons and missing items.
func BenchmarkReasons(b *testing.B) {
	r := leftBehind()
	res := Classify(&r, d("2025-06-30"), cfg())
	b.ReportAllocs()
	for b.Loop() {
		if len(res.Reasons()) == 0 || res.Missing() == nil {
			b.Fatal("no reasons")
		}
	}
}
