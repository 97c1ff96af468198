package sheet

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Hostile files, each built in memory, and what the readers do with them: refuse them with a
// CodeTooLarge error, read them within a bound on the memory allocated, or stop when their
// context ends.

// countingReaderAt counts the bytes read from a file.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// firstError opens data as a Reader and reads it to the end: the first error of NewReader or
// Next (nil at io.EOF) and the rows read.
func firstError(data []byte, name string, opt ReadOptions) (error, int) {
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), name, opt)
	if err != nil {
		return err, 0
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return nil, n
		}
		if err != nil {
			return err, n
		}
		n++
	}
}

const headerXML = `<row r="1"><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>性别</t></is></c><c t="inlineStr"><is><t>出生日期</t></is></c></row>`

const dataRowXML = `<c t="inlineStr"><is><t>张小明</t></is></c><c t="inlineStr"><is><t>男</t></is></c><c t="inlineStr"><is><t>2015-03-10</t></is></c>`

// repeatTo writes head, then what line(i) gives for i = 0, 1, … n-1, then tail.
func repeatTo(head string, n int, line func(i int) string, tail string) func(io.Writer) {
	return func(w io.Writer) {
		var b bytes.Buffer
		b.WriteString(head)
		for i := range n {
			b.WriteString(line(i))
			if b.Len() > 64<<10 {
				_, _ = w.Write(b.Bytes())
				b.Reset()
			}
		}
		b.WriteString(tail)
		_, _ = w.Write(b.Bytes())
	}
}

// blankRowBomb is a header, rows 2 … n+1 styled but empty (as Excel writes them: 20 times
// smaller deflated), and a child on the row after them.
func blankRowBomb(t *testing.T, n int) []byte {
	return buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`+headerXML, n,
		func(i int) string {
			return `<row r="` + strconv.Itoa(i+2) + `" spans="1:82" s="1" customFormat="1" ht="14.25"/>`
		},
		`<row r="`+strconv.Itoa(n+2)+`">`+dataRowXML+`</row></sheetData></worksheet>`)})
}

// TestCancelBlankRowBomb: a reader whose context ends returns context.Canceled from Next,
// whether the context ended between rows (seen by Next) or in the middle of a million blank rows
// that Next skips (seen by the reads of the worksheet).
func TestCancelBlankRowBomb(t *testing.T) {
	data := blankRowBomb(t, 100_000)
	if err, n := firstError(data, "a.xlsx", ReadOptions{Today: testToday}); err != nil || n != 1 {
		t.Fatalf("not cancelled: %v after %d rows, want the one child", err, n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), "a.xlsx", ReadOptions{Context: ctx})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	for range 2 {
		if _, err := r.Next(); err != context.Canceled {
			t.Errorf("Next after cancel: %v, want context.Canceled", err)
		}
	}

	cd := countdown(1 << 40)
	in := &countingReaderAt{r: bytes.NewReader(data)}
	r2, err := NewReader(in, int64(len(data)), "a.xlsx", ReadOptions{Context: cd})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	opened := in.n.Load() // the scan for merged ranges read the sheet once
	cd.left.Store(3)
	if _, err := r2.Next(); err != context.Canceled {
		t.Errorf("Next cancelled among the blank rows: %v, want context.Canceled", err)
	}
	if read := in.n.Load() - opened; read > int64(len(data))/4 {
		t.Errorf("Next read %d of %d bytes before stopping, want a small part", read, len(data))
	}
}

// TestCancelLoops: each loop that can run long before a row comes back stops within a few reads
// once the context ends: the scan for merged ranges, a header searched through long rows, a
// worksheet of skipped elements, CSV blank lines and CSV records of empty cells.
func TestCancelLoops(t *testing.T) {
	many := func(n int, s string) string { return strings.Repeat(s, n) }
	var lr strings.Builder
	for j := range 5_000 {
		lr.WriteString(`<c s="` + strconv.Itoa(j) + `"/>`)
	}
	longRow := lr.String()
	for _, tc := range []struct {
		name  string
		file  string
		data  []byte
		open  bool   // cancelled while NewReader reads (else while Next does)
		plain string // the error code when not cancelled
		rows  int    // the rows read when not cancelled
	}{
		{"merged ranges", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`+headerXML+`</sheetData><mergeCells>`, 100_000,
			func(i int) string { return `<mergeCell ref="A` + strconv.Itoa(i+3) + `:C` + strconv.Itoa(i+3) + `"/>` }, `</mergeCells></worksheet>`)}), true, "", 0},
		{"header search", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`, 30,
			func(i int) string { return `<row r="` + strconv.Itoa(i+1) + `">` + longRow + `</row>` }, `</sheetData></worksheet>`)}), true, CodeNoHeader, 0},
		{"skipped elements", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`+headerXML+`<row r="2">`+dataRowXML+`</row>`, 200_000,
			func(i int) string { return `<x:ext uri="` + strconv.Itoa(i) + `"/>` }, `<row r="3">`+dataRowXML+`</row></sheetData></worksheet>`)}), false, "", 2},
		{"csv blank lines", "a.csv", []byte("姓名,性别,出生日期\n王芳,女,2016-02-02\n" + many(1_200_000, "\n") + "张小明,男,2015-03-10\n"), false, "", 2},
		{"csv empty cells", "a.csv", []byte("姓名,性别,出生日期\n王芳,女,2016-02-02\n" + many(300_000, ",,\n") + "张小明,男,2015-03-10\n"), false, "", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err, n := firstError(tc.data, tc.file, ReadOptions{Today: testToday}); fileErrorCode(err) != tc.plain || (err == nil) != (tc.plain == "") || n != tc.rows {
				t.Fatalf("not cancelled: %v after %d rows", err, n)
			}
			if tc.plain == CodeNoHeader { // cancelled in the header search, not in the scan for merged ranges
				old := maxMergeScan
				maxMergeScan = 0
				defer func() { maxMergeScan = old }()
			}
			cd := countdown(1 << 40)
			if tc.open {
				cd.left.Store(4)
			}
			in := &countingReaderAt{r: bytes.NewReader(tc.data)}
			r, err := NewReader(in, int64(len(tc.data)), tc.file, ReadOptions{Context: cd})
			opened := int64(0)
			if !tc.open {
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				opened = in.n.Load() // a whole pass for merged ranges, or to tell UTF-8
				cd.left.Store(3)
				for i := 0; i < 3 && err == nil; i++ { // the first may be a row read ahead
					_, err = r.Next()
				}
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if read := in.n.Load() - opened; read > int64(len(tc.data))/2 {
				t.Errorf("read %d of %d bytes before stopping", read, len(tc.data))
			}
		})
	}
}

// rawPart is a worksheet stored with a zip header of our choosing over deflated body: a part that
// says it inflates to size bytes.
func rawPart(t *testing.T, name, body string, size uint64) sheetPart {
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestCompression)
	_, _ = io.WriteString(fw, body)
	_ = fw.Close()
	return sheetPart{name: name, raw: &zip.FileHeader{Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(body)),
		CompressedSize64: uint64(c.Len()), UncompressedSize64: size}, write: func(w io.Writer) { _, _ = w.Write(c.Bytes()) }}
}

// TestLimits: files that would take memory or time without bound are refused with a Chinese
// message (CodeTooLarge), or read within a bound on the memory they cost.
func TestLimits(t *testing.T) {
	huge := strings.Repeat("很", 300_000) // 900 KB: a cell near maxTextBytes
	sheetOf := func(rows string) sheetPart {
		return sheetPart{name: "表", write: func(w io.Writer) { _, _ = io.WriteString(w, `<worksheet><sheetData>`+rows+`</sheetData></worksheet>`) }}
	}
	wideMerges := repeatTo(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>x</t></is></c></row>`+
		strings.Replace(headerXML, `r="1"`, `r="2"`, 1)+`<row r="3">`+dataRowXML+`</row></sheetData><mergeCells>`, 100_000, func(int) string { return `<mergeCell ref="A1:XFD1048576"/>` }, `</mergeCells></worksheet>`)
	csvCols := "姓名,性别,出生日期\n" + strings.Repeat(",", 20_000) + "\n"
	hundredRows := strings.Repeat(`<row/>`, 100)
	for _, tc := range []struct {
		name  string
		file  string
		data  []byte
		code  string // "" for a file read to the end
		msg   string // in the message
		alloc uint64 // at most this many bytes allocated reading it
	}{
		{"a row of huge inline cells", "a.xlsx", buildXLSXStream(t, nil, sheetOf(headerXML+`<row r="2">`+strings.Repeat(`<c t="inlineStr"><is><t>`+huge+`</t></is></c>`, 16)+`</row>`)),
			CodeTooLarge, "第 2 行的内容超过 4 MB", 48 << 20},
		{"a row of 16,384 references to one huge shared string", "a.xlsx",
			buildXLSXStream(t, func(w io.Writer) { _, _ = io.WriteString(w, `<sst><si><t>`+huge+`</t></si></sst>`) },
				sheetOf(headerXML+`<row r="2">`+strings.Repeat(`<c t="s"><v>0</v></c>`, maxColumns)+`</row>`)),
			CodeTooLarge, "第 2 行的内容超过 4 MB", 48 << 20},
		{"a worksheet that says it inflates to 5 GB", "a.xlsx", buildXLSXStream(t, nil, rawPart(t, "表", `<worksheet/>`, 5<<30)),
			CodeTooLarge, "超过 4 GB", 4 << 20},
		{"a blank-row bomb: 36 MB of <row/>", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`+headerXML, 60_000,
			func(int) string { return hundredRows }, `</sheetData></worksheet>`)}),
			CodeTooLarge, "不像正常的表格", 4 << 20},
		{"too many merged ranges", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: repeatTo(`<worksheet><sheetData>`+headerXML+`</sheetData><mergeCells>`, maxMerges+1,
			func(i int) string { return `<mergeCell ref="A` + strconv.Itoa(i+2) + `:A` + strconv.Itoa(i+3) + `"/>` }, `</mergeCells></worksheet>`)}),
			CodeTooLarge, "合并单元格超过 200000 处", 96 << 20}, // 11 MB of ranges live
		{"merged ranges holding huge values", "a.xlsx", buildXLSXStream(t, nil, sheetOf(
			`<row r="1">`+strings.Repeat(`<c t="inlineStr"><is><t>`+huge+`</t></is></c>`, 4)+`</row>`+
				`</sheetData><mergeCells><mergeCell ref="A1:D5"/><mergeCell ref="A1:D6"/><mergeCell ref="A1:D7"/></mergeCells><sheetData>`)),
			CodeTooLarge, "合并单元格过多或内容过长", 48 << 20},
		{"100,000 merged ranges over the whole sheet", "a.xlsx", buildXLSXStream(t, nil, sheetPart{name: "表", write: wideMerges}),
			"", "", 64 << 20},
		{"a CSV line of 3 MB without a line break", "a.csv", []byte("姓名,性别,出生日期\n张小明,男,2015-03-10\n" + strings.Repeat("a", 3<<20)),
			CodeTooLarge, "第 3 行起的一行超过 1 MB", 24 << 20},
		{"a CSV quote never closed over 3 MB of lines", "a.csv", []byte("姓名,性别,出生日期\n\"张小明,男,2015-03-10\n" + strings.Repeat("李娜,女,2016-01-01\n", 150_000)),
			CodeTooLarge, "引号不配对", 24 << 20},
		{"a CSV record of 20,001 fields", "a.csv", []byte(csvCols), CodeTooLarge, "超过表格的上限 16384 列", 24 << 20},
		{"a CSV line of 2,000,000 commas", "a.csv", []byte("姓名,性别,出生日期\n" + strings.Repeat(",", 2_000_000)), CodeTooLarge, "超过表格的上限 16384 列", 48 << 20}, // all parsed: 128 MB
		{"a stray quote, then 2,000,000 commas", "a.csv", []byte("姓名,性别,出生日期\n张\"小明" + strings.Repeat(",", 2_000_000)), CodeTooLarge, "超过表格的上限 16384 列", 48 << 20},
		{"a million blank CSV lines", "a.csv", []byte("姓名,性别,出生日期\n" + strings.Repeat("\r\n", 1_000_000) + "张小明,男,2015-03-10\n"), "", "", 24 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { err, _ = firstError(tc.data, tc.file, ReadOptions{Today: testToday}) })
			if got := fileErrorCode(err); got != tc.code || (err == nil) != (tc.code == "") {
				t.Fatalf("error %v (code %q), want code %q", err, got, tc.code)
			}
			if err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q lacks %q", err, tc.msg)
			}
			if alloc > tc.alloc {
				t.Errorf("reading allocated %d MB, want at most %d MB", alloc>>20, tc.alloc>>20)
			}
		})
	}
}

// TestMergedTopHeld: a range as wide as the sheet keeps only the cells its top row has.
func TestMergedTopHeld(t *testing.T) {
	data := buildXLSX(t, "", [2]string{"表", `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>x</t></is></c></row><row r="2"><c r="B2"><v>1</v></c></row></sheetData>` +
		`<mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>`})
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	if _, _, err := x.next(); err != nil {
		t.Fatal(err)
	}
	if len(x.active) != 1 || len(x.active[0].top) != 1 || x.held != 24+1 {
		t.Fatalf("%d active ranges, top %d cells, %d bytes held; want 1, 1 cell, 25 bytes", len(x.active), len(x.active[0].top), x.held)
	}
	_, cells, err := x.next()
	if err != nil || len(cells) != 2 || cells[0].text != "x" {
		t.Errorf("row 2 %+v %v, want x filled down", cells, err)
	}
}

// TestZipEntries: a zip of more entries than a workbook has is refused before archive/zip
// allocates them (about 200 bytes each), from its directory's count, in the zip64 record too.
func TestZipEntries(t *testing.T) {
	build := func(n int) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range n {
			if _, err := zw.CreateRaw(&zip.FileHeader{Name: strconv.Itoa(i), Method: zip.Store}); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, n := range []int{3, 1000, maxZipEntries + 1, 70_000} { // 70,000 > 65,535: a zip64 directory
		data := build(n)
		got, ok := zipEntries(bytes.NewReader(data), int64(len(data)))
		if !ok || got != uint64(n) {
			t.Errorf("zipEntries of %d entries: %d %v", n, got, ok)
		}
		if n <= maxZipEntries {
			continue
		}
		var err error
		alloc := allocated(func() { err, _ = firstError(data, "a.xlsx", ReadOptions{}) })
		if fileErrorCode(err) != CodeTooLarge || !strings.Contains(err.Error(), "个部件") {
			t.Errorf("%d entries: %v, want too_large", n, err)
		}
		if alloc > 2<<20 {
			t.Errorf("%d entries: allocated %d KB before refusing", n, alloc>>10)
		}
	}
	if _, ok := zipEntries(bytes.NewReader([]byte("PK\x03\x04 not a zip")), 17); ok {
		t.Error("a count in a file without a directory")
	}
}
