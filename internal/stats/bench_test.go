package stats

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/rules"
)

// benchSize is the population of the benchmarks: a million children.
const benchSize = 1_000_000

var (
	benchOnce sync.Once
	benchRecs []child.Record
)

// benchPopulation generates a million synthetic Wuhai children once per test binary (about 5 s
// on two cores), without the personal items the store keeps encrypted: what Compute is handed.
func benchPopulation(b *testing.B) []child.Record {
	b.Helper()
	benchOnce.Do(func() {
		benchRecs = make([]child.Record, benchSize)
		const parts = 2
		var wg sync.WaitGroup
		for p := range parts {
			wg.Go(func() {
				g := demo.New(uint64(1000+p), genDate)
				for i := p; i < benchSize; i += parts {
					r := g.Child()
					stripPersonal(&r)
					benchRecs[i] = r
				}
			})
		}
		wg.Wait()
		runtime.GC() // settle the heap so that the first timed run does not pay for generation
	})
	return benchRecs
}

// stripPersonal removes what the store does not hand to the statistics: names, ID numbers,
// phones, detail addresses, school names, caregivers.
func stripPersonal(r *child.Record) {
	r.Name, r.IDNumber, r.SchoolName = "", "", ""
	if r.HukouAddress != nil {
		r.HukouAddress.Detail = ""
	}
	if r.ResidenceAddr != nil {
		r.ResidenceAddr.Detail = ""
	}
	for _, p := range []*child.Parent{r.Father, r.Mother} {
		if p != nil {
			p.Name, p.IDNumber, p.Phone = "", "", ""
		}
	}
	r.Caregiver, r.OtherGuardian = nil, nil
}

// perRecord reports wall-clock and CPU nanoseconds per record; cpu0 is cpuTime() before the loop.
func perRecord(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/record")
}

// BenchmarkComputeAllTables: every standard table (and totals, by_region) of the whole city in
// one pass over a million children.
func BenchmarkComputeAllTables(b *testing.B) {
	rs := benchPopulation(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Compute(Records(rs), Query{AsOf: genDate, Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			perRecord(b, len(rs), cpu0)
		})
	}
}

// BenchmarkNaiveOnePassPerTable: the same tables the naive way, one pass (and one
// classification of every record) per table, on one core — to compare with workers=1 above.
func BenchmarkNaiveOnePassPerTable(b *testing.B) {
	rs := benchPopulation(b)
	p, err := newPlan(Query{AsOf: genDate, Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		for i := range standardSpecs {
			s := &standardSpecs[i]
			e := &engine{p: p}
			switch s.special {
			case "division":
				e.places = newMeasuresAcc(0, measureMM, measureMSOnly, measureLB)
			case "parent_work":
				e.parents = newParentWorkAcc(p)
			default:
				e.accs = []*accum{newAccum(s, populations[s.pop].in, dimFor(s.rows, s.pop, s.rowLevel), dimFor(s.cols, s.pop, 0))}
			}
			if _, err := run(Records(rs), p, func() *engine { return e }); err != nil {
				b.Fatal(err)
			}
		}
	}
	perRecord(b, len(rs), cpu0)
}

// BenchmarkClassifyOnly is the floor: rules.Classify over the million, counting nothing.
func BenchmarkClassifyOnly(b *testing.B) {
	rs := benchPopulation(b)
	cfg := rules.DefaultConfig()
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		n := 0
		for i := range rs {
			if rules.Classify(&rs[i], genDate, &cfg).LeftBehind == rules.Yes {
				n++
			}
		}
		if n == 0 {
			b.Fatal("nobody left behind")
		}
	}
	perRecord(b, len(rs), cpu0)
}

// BenchmarkCrossTabOneDistrict: one table (sex × age group) for one district, 海南区, over the
// whole million: records with neither address in the district are not classified.
func BenchmarkCrossTabOneDistrict(b *testing.B) {
	rs := benchPopulation(b)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := CrossTab(Records(rs), Query{AsOf: genDate, Region: "150303", Workers: workers}, "sex", "age5", 0); err != nil {
					b.Fatal(err)
				}
			}
			perRecord(b, len(rs), cpu0)
		})
	}
}

var (
	suppOnce sync.Once
	suppRecs []child.Record
)

// BenchmarkSuppressReport: disclosure control of every standard table of a report, jointly
// (with the hidden age table), over a population of 100,000 children.
func BenchmarkSuppressReport(b *testing.B) {
	suppOnce.Do(func() {
		g := demo.New(7, genDate)
		suppRecs = make([]child.Record, 100_000)
		for i := range suppRecs {
			suppRecs[i] = g.Child()
		}
	})
	rs := suppRecs
	for _, region := range []string{"150300", "150303", "150302001"} {
		rep, err := Compute(Records(rs), Query{AsOf: genDate, Region: region})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("region="+region, func(b *testing.B) {
			cpu0 := cpuTime()
			for b.Loop() {
				SuppressReport(rep, 0)
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
