package roster

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkRosterMemory reads a school roster of 1,000,000 rows from a file and reports the
// peak growth of the heap in use meanwhile (MB-heap-peak: sampled every 20 ms with GOGC=2, so
// that garbage waiting for a collection does not count): rows are consumed one at a time, so it
// should not grow with the rows. Two files: strings inline (as excelize's StreamWriter and most
// systems write), and in a shared-string table as Excel saves, 2,000,000 distinct names and
// identity numbers (a 60 MB table, most of it spilled to a temporary file). Run with:
//
//	go test ./internal/roster/ -run '^$' -bench RosterMemory -benchtime 1x
//
// (docs/BENCHMARKS.md, "Upload memory").
func BenchmarkRosterMemory(b *testing.B) {
	const rows = 1_000_000
	dir := b.TempDir()
	d, _ := Lookup(Education)
	for _, shared := range []bool{false, true} {
		name := "Inline"
		if shared {
			name = "SharedStrings"
		}
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(dir, name+".xlsx")
			writeRoster(b, path, rows, shared)
			st, _ := os.Stat(path)
			var peak float64
			for i := 0; i < b.N; i++ {
				peak = max(peak, peakHeap(func() {
					rd, err := Open(path, d, ReadOptions{Today: today})
					if err != nil {
						b.Fatal(err)
					}
					defer rd.Close()
					n := 0
					for {
						row, err := rd.Next()
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
						if n == 0 && !row.Issues.Valid() {
							b.Fatalf("row %d: %+v", row.Number, row.Errors())
						}
						n++
					}
					if n != rows {
						b.Fatalf("%d rows, want %d", n, rows)
					}
				}))
			}
			b.ReportMetric(peak, "MB-heap-peak")
			b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
		})
	}
}

// writeRoster writes a school roster of n children to path: 学生姓名, 身份证号, 学校名称, 年级,
// 就读状态, every name and number distinct; strings inline, or in a shared-string table.
func writeRoster(b *testing.B, path string, n int, shared bool) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	part := func(name string, body func(w *bufio.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			b.Fatal(err)
		}
		bw := bufio.NewWriterSize(w, 64<<10)
		body(bw)
		if err := bw.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	fixed := []string{"学生姓名", "身份证号", "学校名称", "年级", "就读状态", "乌海市海勃湾区第一小学", "三年级", "在校"}
	given := []rune("子涵浩然欣怡梓轩雨桐宇航诗琪俊杰佳怡博文思远嘉懿")
	childName := func(i int) string {
		return "张" + string(given[i%len(given)]) + string(given[(i/len(given))%len(given)])
	}
	id := func(i int) string {
		return testID("150302", fmt.Sprintf("%04d%02d%02d", 2010+i%8, 1+i/8%12, 1+i/96%28), fmt.Sprintf("%03d", i/2688%1000))
	}
	str := func(w *bufio.Writer, ref, s string) {
		w.WriteString(`<c r="` + ref + `" t="inlineStr"><is><t>` + s + `</t></is></c>`)
	}
	idx := func(w *bufio.Writer, ref string, k int) {
		w.WriteString(`<c r="` + ref + `" t="s"><v>` + strconv.Itoa(k) + `</v></c>`)
	}
	if shared {
		part("xl/sharedStrings.xml", func(w *bufio.Writer) {
			w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
			for _, s := range fixed {
				w.WriteString("<si><t>" + s + "</t></si>")
			}
			for i := range n {
				w.WriteString("<si><t>" + childName(i) + "</t></si><si><t>" + id(i) + "</t></si>")
			}
			w.WriteString(`</sst>`)
		})
	}
	part("xl/worksheets/sheet1.xml", func(w *bufio.Writer) {
		w.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
		for j := range 5 {
			if shared {
				idx(w, string(rune('A'+j))+"1", j)
			} else {
				str(w, string(rune('A'+j))+"1", fixed[j])
			}
		}
		w.WriteString(`</row>`)
		for i := range n {
			r := strconv.Itoa(i + 2)
			w.WriteString(`<row r="` + r + `">`)
			if shared {
				idx(w, "A"+r, len(fixed)+2*i)
				idx(w, "B"+r, len(fixed)+2*i+1)
				idx(w, "C"+r, 5)
				idx(w, "D"+r, 6)
				idx(w, "E"+r, 7)
			} else {
				str(w, "A"+r, childName(i))
				str(w, "B"+r, id(i))
				str(w, "C"+r, fixed[5])
				str(w, "D"+r, fixed[6])
				str(w, "E"+r, fixed[7])
			}
			w.WriteString(`</row>`)
		}
		w.WriteString(`</sheetData></worksheet>`)
	})
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if shared {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	for name, body := range map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="学生名册" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`,
	} {
		part(name, func(w *bufio.Writer) { w.WriteString(body) })
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
}

// peakHeap runs f with the garbage collector set to collect early (GOGC=2) and samples the
// heap in use meanwhile; it returns the highest growth over the heap in use before, in MB (as
// internal/sheet's benchmarks measure it).
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
