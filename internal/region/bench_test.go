package region

import (
	"bytes"
	"testing"
)

// wuhaiAddresses builds addresses of every Wuhai community in the forms
// people write: full, without the province, from the county, with short
// names, each followed by a detail address.
func wuhaiAddresses(tb *Table) []string {
	var out []string
	const detail = "人民路12号3单元401室"
	for _, county := range tb.Children("1503") {
		for _, town := range tb.Children(county.Code) {
			for _, v := range tb.Children(town.Code) {
				place := v.PlaceName()
				out = append(out,
					tb.FullName(v.Code)+detail,
					"乌海市"+county.Name+town.Name+place+detail,
					county.Name+town.Name+place+detail,
					"内蒙古乌海"+county.Name+town.Name+v.Name+detail,
				)
			}
		}
	}
	return out
}

func benchResolve(b *testing.B, texts []string, scope string) {
	tb := Default()
	if _, err := tb.ResolveWithin(texts[0], scope); err != nil { // build the index
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tb.ResolveWithin(texts[i%len(texts)], scope); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "addresses/s")
}

// BenchmarkResolve resolves Wuhai addresses (all communities, four forms).
func BenchmarkResolve(b *testing.B) {
	tb := Default()
	texts := wuhaiAddresses(tb)
	b.Run("wuhai", func(b *testing.B) { benchResolve(b, texts, "") })
	b.Run("wuhai-scoped", func(b *testing.B) { benchResolve(b, texts, "1503") })
	b.Run("national", func(b *testing.B) {
		var nat []string
		for id := tb.base[Township]; id < tb.base[6]; id += 1009 {
			nat = append(nat, tb.fullName(id)+"幸福路12号")
		}
		benchResolve(b, nat, "")
	})
	b.Run("not-found", func(b *testing.B) {
		tb.Resolve("乌海")
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			tb.Resolve("幸福路12号3单元401室")
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "addresses/s")
	})
}

// BenchmarkDefaultLoad measures what Default costs at start-up: decoding the
// embedded file's header and levels 1..4 (villages are decoded on first
// need, see BenchmarkLoadVillages).
func BenchmarkDefaultLoad(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := decode(embedded); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadVillages measures the deferred decoding of the 620,573
// villages.
func BenchmarkLoadVillages(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		t, err := decode(embedded)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if t.villages() == nil {
			b.Fatal(t.villErr)
		}
	}
}

// BenchmarkLoadAll is Load: all five levels decoded.
func BenchmarkLoadAll(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Load(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildIndex measures the name index built on the first Resolve.
func BenchmarkBuildIndex(b *testing.B) {
	tb := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buildResolver(tb)
	}
}

// BenchmarkLookup looks up codes of every level, natural and padded.
func BenchmarkLookup(b *testing.B) {
	tb := Default()
	codes := []string{"15", "1503", "150302", "150302003", "150302003012", "150302000000", "150300000000", "110105", "441900003", "650102002005"}
	tb.Lookup(codes[4])
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := tb.Lookup(codes[i%len(codes)]); !ok {
			b.Fatal(codes[i%len(codes)])
		}
	}
}

// BenchmarkFullName builds full names of Wuhai communities.
func BenchmarkFullName(b *testing.B) {
	tb := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tb.FullName("150302003012")
	}
}
