package sheet

import (
	"bytes"
	"context"
	"io"
	"iter"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/region"
)

// Run with: go test ./internal/sheet/ -run '^$' -bench . -benchmem -benchtime 3x
// (docs/BENCHMARKS.md, section "Spreadsheets (internal/sheet)").

const benchRows = 100000

// benchRecords yields n synthetic children: 1,000 distinct ones, cycled, so that the records
// are never all in memory.
func benchRecords(n int) iter.Seq[child.Record] {
	g := demo.New(42, testToday)
	base := make([]child.Record, 1000)
	for i := range base {
		base[i] = g.Child()
	}
	return func(yield func(child.Record) bool) {
		for i := 0; i < n; i++ {
			if !yield(base[i%len(base)]) {
				return
			}
		}
	}
}

var benchFiles struct {
	once      sync.Once
	xlsx, csv []byte
}

// benchData returns an exported workbook and CSV file of 100,000 children (built once).
func benchData(b *testing.B) (xlsx, csv []byte) {
	benchFiles.once.Do(func() {
		var x, c bytes.Buffer
		if err := WriteChildren(&x, benchRecords(benchRows), WriteOptions{Title: "乌海市流动儿童基本情况登记表"}); err != nil {
			panic(err)
		}
		if err := WriteChildren(&c, benchRecords(benchRows), WriteOptions{Format: CSV}); err != nil {
			panic(err)
		}
		benchFiles.xlsx, benchFiles.csv = x.Bytes(), c.Bytes()
	})
	return benchFiles.xlsx, benchFiles.csv
}

// peakHeap runs f with the garbage collector set to collect early (GOGC=2) and samples the
// heap in use meanwhile; it returns the highest growth over the heap in use before, in MB:
// about what reading or writing holds live, not the benchmark's own data nor garbage waiting
// for a collection. Timing runs do not call it.
func peakHeap(f func()) float64 {
	old := debug.SetGCPercent(2)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	if peak < base.HeapInuse {
		return 0
	}
	return float64(peak-base.HeapInuse) / (1 << 20)
}

// startClock resets the benchmark timer and returns a function that reports rows per second
// of wall time and per second of processor time (both cores count: the garbage collector runs
// beside the reader).
func startClock(b *testing.B, rows int) func() {
	b.ResetTimer()
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		if cpu := cpuTime() - start; cpu > 0 {
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(rows)*float64(b.N)/cpu.Seconds(), "rows/cpu-s")
		}
	}
}

// BenchmarkReadXLSX reads 100,000 rows of 82 columns into checked records: sheet scanning, cell
// parsing, address resolution and child.Validate.
func BenchmarkReadXLSX(b *testing.B) {
	data, _ := benchData(b)
	region.Default().Warm()
	b.SetBytes(int64(len(data)))
	defer startClock(b, benchRows)()
	for i := 0; i < b.N; i++ {
		benchRead(b, data, "bench.xlsx")
	}
}

// BenchmarkMergeScan reads the same workbook with and without the scan for merged ranges that
// precedes the rows (merge.go), forcing the scan on although the 100,000-row worksheet is larger
// than maxMergeScan: what the second inflating of the worksheet costs, side by side.
func BenchmarkMergeScan(b *testing.B) {
	data, _ := benchData(b)
	region.Default().Warm()
	old := maxMergeScan
	defer func() { maxMergeScan = old }()
	for _, tc := range []struct {
		name  string
		limit uint64
	}{{"without", 0}, {"with", 1 << 40}} {
		b.Run(tc.name, func(b *testing.B) {
			maxMergeScan = tc.limit
			b.SetBytes(int64(len(data)))
			defer startClock(b, benchRows)()
			for i := 0; i < b.N; i++ {
				benchRead(b, data, "bench.xlsx")
			}
		})
	}
}

// BenchmarkReadCSV reads the same 100,000 children from CSV.
func BenchmarkReadCSV(b *testing.B) {
	_, data := benchData(b)
	region.Default().Warm()
	b.SetBytes(int64(len(data)))
	defer startClock(b, benchRows)()
	for i := 0; i < b.N; i++ {
		benchRead(b, data, "bench.csv")
	}
}

func benchRead(b *testing.B, data []byte, name string) {
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), name, ReadOptions{Today: testToday})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if len(row.Issues.Errors) > 0 {
			b.Fatalf("row %d: %+v", row.Number, row.Errors())
		}
		n++
	}
	if n != benchRows {
		b.Fatalf("read %d rows, want %d", n, benchRows)
	}
}

// BenchmarkScanXLSX is the sheet scanner alone: cells, no records.
func BenchmarkScanXLSX(b *testing.B) {
	data, _ := benchData(b)
	b.SetBytes(int64(len(data)))
	defer startClock(b, benchRows)()
	for i := 0; i < b.N; i++ {
		benchScan(b, data)
	}
}

func benchScan(b *testing.B, data []byte) {
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		b.Fatal(err)
	}
	defer x.close()
	for {
		if _, _, err := x.next(); err != nil {
			break
		}
	}
}

// BenchmarkExcelizeRows is excelize's Rows iterator on the same workbook, the reader this
// package does not use (see xlsx.go); about half a minute per run.
func BenchmarkExcelizeRows(b *testing.B) {
	data, _ := benchData(b)
	b.SetBytes(int64(len(data)))
	defer startClock(b, benchRows)()
	for i := 0; i < b.N; i++ {
		benchExcelize(b, data)
	}
}

func benchExcelize(b *testing.B, data []byte) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
			b.Fatal(err)
		}
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkWriteXLSX writes 100,000 children with the StreamWriter.
func BenchmarkWriteXLSX(b *testing.B) {
	benchWrite(b, WriteOptions{Title: "乌海市流动儿童基本情况登记表"})
}

// BenchmarkWriteCSV writes 100,000 children as CSV.
func BenchmarkWriteCSV(b *testing.B) { benchWrite(b, WriteOptions{Format: CSV}) }

func benchWrite(b *testing.B, opt WriteOptions) {
	recs := benchRecords(benchRows)
	region.Default().Warm()
	stop := startClock(b, benchRows)
	var size int64
	for i := 0; i < b.N; i++ {
		var w countingWriter
		if err := WriteChildren(&w, recs, opt); err != nil {
			b.Fatal(err)
		}
		size = w.n
	}
	b.SetBytes(size)
	stop()
}

// BenchmarkMemory reports the memory each operation holds on 100,000 rows (MB-live-peak, see
// peakHeap); its times are not comparable with the other benchmarks'.
func BenchmarkMemory(b *testing.B) {
	xlsx, csv := benchData(b)
	region.Default().Warm()
	for _, bc := range []struct {
		name string
		f    func()
	}{
		{"ReadXLSX", func() { benchRead(b, xlsx, "bench.xlsx") }},
		{"ReadCSV", func() { benchRead(b, csv, "bench.csv") }},
		{"ScanXLSX", func() { benchScan(b, xlsx) }},
		{"ExcelizeRows", func() { benchExcelize(b, xlsx) }},
		{"WriteXLSX", func() {
			var w countingWriter
			if err := WriteChildren(&w, benchRecords(benchRows), WriteOptions{}); err != nil {
				b.Fatal(err)
			}
		}},
		{"WriteCSV", func() {
			var w countingWriter
			if err := WriteChildren(&w, benchRecords(benchRows), WriteOptions{Format: CSV}); err != nil {
				b.Fatal(err)
			}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var peak float64
			for i := 0; i < b.N; i++ {
				peak = max(peak, peakHeap(bc.f))
			}
			b.ReportMetric(peak, "MB-live-peak")
		})
	}
}
