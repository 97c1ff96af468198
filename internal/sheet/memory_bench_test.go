package sheet

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkUploadMemory reads the shared-string bombs of the security review from a file and
// reports the peak growth of the heap in use while it does (MB-heap-peak, see peakHeap), the
// file's size and what went to the temporary file. Run with:
//
//	go test ./internal/sheet/ -run '^$' -bench UploadMemory -benchtime 1x
//
// (docs/BENCHMARKS.md, "Upload memory"). The 1,000,000-row roster is BenchmarkRosterMemory in
// internal/roster.
func BenchmarkUploadMemory(b *testing.B) {
	dir := b.TempDir()
	for _, bc := range []struct {
		name string
		si   func(i int) string // the i-th string's element
		n    int
	}{
		// 250 MB of one- and two-digit strings (14 million of them), as in the review.
		{"SharedStrings250MB", func(i int) string { return "<si><t>" + strconv.Itoa(i%100) + "</t></si>" }, 14_000_000},
		// 250 MB of empty strings: 50 million, the most a table under maxSharedBytes holds.
		{"SharedStrings50MEmpty", func(int) string { return "<si/>" }, 50_000_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			path := filepath.Join(dir, bc.name+".xlsx")
			table := func(w io.Writer) {
				var buf bytes.Buffer
				buf.WriteString(`<sst><si><t>姓名</t></si><si><t>性别</t></si><si><t>出生日期</t></si>`)
				for i := range bc.n {
					buf.WriteString(bc.si(i))
					if buf.Len() > 64<<10 {
						_, _ = w.Write(buf.Bytes())
						buf.Reset()
					}
				}
				buf.WriteString(`</sst>`)
				_, _ = w.Write(buf.Bytes())
			}
			sheet := `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>` +
				`<row r="2"><c t="inlineStr"><is><t>张小明</t></is></c><c t="s"><v>` + strconv.Itoa(bc.n+2) + `</v></c><c><v>42073</v></c></row></sheetData></worksheet>`
			data := buildXLSXStream(b, table, sheetPart{name: "表", write: func(w io.Writer) { _, _ = io.WriteString(w, sheet) }})
			if err := os.WriteFile(path, data, 0o600); err != nil {
				b.Fatal(err)
			}
			var peak float64
			var spilled int64
			for i := 0; i < b.N; i++ {
				peak = max(peak, peakHeap(func() {
					r, err := Open(path, ReadOptions{Today: testToday})
					if err != nil {
						b.Fatal(err)
					}
					defer r.Close()
					spilled = r.book.sst.size
					n := 0
					for {
						if _, err := r.Next(); err == io.EOF {
							break
						} else if err != nil {
							b.Fatal(err)
						}
						n++
					}
					if n != 1 {
						b.Fatalf("%d rows, want 1", n)
					}
				}))
			}
			b.ReportMetric(peak, "MB-heap-peak")
			b.ReportMetric(float64(len(data))/(1<<20), "MB-file")
			b.ReportMetric(float64(spilled)/(1<<20), "MB-spilled")
		})
	}
}

// BenchmarkSharedStringSpill scans (cells only) a worksheet of 1,000,000 rows whose 2,000,000
// distinct strings (a 1,000,000-row roster as Excel saves it: names and identity numbers, 60 MB
// of table) are in a shared-string table: with the whole table in memory as before spilling
// existed (a budget of 1 TB), and with the budget of sstMemoryBytes, where about two thirds of
// the strings are read back from the temporary file. Run with:
//
//	go test ./internal/sheet/ -run '^$' -bench SharedStringSpill -benchtime 2x -count 3
func BenchmarkSharedStringSpill(b *testing.B) {
	const rows = 1_000_000
	given := []rune("子涵浩然欣怡梓轩雨桐宇航诗琪俊杰佳怡博文思远嘉懿")
	name := func(i int) string {
		return "张" + string(given[i%len(given)]) + string(given[i/len(given)%len(given)])
	}
	table := repeatTo(`<sst><si><t>三年级</t></si><si><t>在校</t></si>`, rows,
		func(i int) string {
			return "<si><t>" + name(i) + "</t></si><si><t>1503022015" + strconv.Itoa(10_000_000+i) + "</t></si>"
		}, `</sst>`)
	sheet := repeatTo(`<worksheet><sheetData>`, rows, func(i int) string {
		r := strconv.Itoa(i + 1)
		return `<row r="` + r + `"><c r="A` + r + `" t="s"><v>` + strconv.Itoa(2+2*i) + `</v></c><c r="B` + r + `" t="s"><v>` + strconv.Itoa(3+2*i) +
			`</v></c><c r="C` + r + `" t="s"><v>0</v></c><c r="D` + r + `" t="s"><v>1</v></c><c r="E` + r + `"><v>` + r + `</v></c></row>`
	}, `</sheetData></worksheet>`)
	data := buildXLSXStream(b, table, sheetPart{name: "表", write: sheet})
	for _, bc := range []struct {
		name   string
		budget int64
	}{{"InMemory", 1 << 40}, {"Spilled", sstMemoryBytes}} {
		b.Run(bc.name, func(b *testing.B) {
			old := sstBudget
			sstBudget = bc.budget
			defer func() { sstBudget = old }()
			b.SetBytes(int64(len(data)))
			defer startClock(b, rows)()
			for i := 0; i < b.N; i++ {
				x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					_, cells, err := x.next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if len(cells) != 5 || cells[0].text == "" {
						b.Fatalf("row %d: %+v", n+1, cells)
					}
					n++
				}
				if bc.name == "Spilled" && !x.sst.onDisk() {
					b.Fatal("not spilled")
				}
				x.close()
				if n != rows {
					b.Fatalf("%d rows", n)
				}
			}
		})
	}
}
