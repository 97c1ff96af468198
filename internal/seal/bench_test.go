package seal

import "testing"

// benchID is an 18-character citizen identity number, the typical sealed field.
const benchID = "11010520180101123X"

func reportOps(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkSeal(b *testing.B) {
	k, _ := newTestKeyring(b)
	pt, aad := []byte(benchID), []byte("child.id_number")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

func BenchmarkOpen(b *testing.B) {
	k, _ := newTestKeyring(b)
	aad := []byte("child.id_number")
	sealed, _ := k.Seal([]byte(benchID), aad)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

func BenchmarkSealString(b *testing.B) {
	k, _ := newTestKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.SealString(benchID, "child.id_number"); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

func BenchmarkOpenString(b *testing.B) {
	k, _ := newTestKeyring(b)
	sealed, _ := k.SealString(benchID, "child.id_number")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.OpenString(sealed, "child.id_number"); err != nil {
			b.Fatal(err)
		}
	}
	reportOps(b)
}

func BenchmarkBlindIndex(b *testing.B) {
	k, _ := newTestKeyring(b)
	b.ReportAllocs()
	for b.Loop() {
		if k.BlindIndex("child.id_number", benchID) == "" {
			b.Fatal("empty index")
		}
	}
	reportOps(b)
}

func BenchmarkSealParallel(b *testing.B) {
	k, _ := newTestKeyring(b)
	pt, aad := []byte(benchID), []byte("child.id_number")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := k.Seal(pt, aad); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportOps(b)
}

func BenchmarkBlindIndexParallel(b *testing.B) {
	k, _ := newTestKeyring(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k.BlindIndex("child.id_number", benchID)
		}
	})
	reportOps(b)
}
