package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// buildXLSX makes a workbook from raw parts: the sheet XML of each sheet (named in order) and
// an optional shared string table, with the package parts around them that Excel writes.
func buildXLSX(t testing.TB, sst string, sheets ...[2]string) []byte {
	t.Helper()
	parts := make([]sheetPart, len(sheets))
	for i, s := range sheets {
		parts[i] = sheetPart{name: s[0], write: func(w io.Writer) { _, _ = io.WriteString(w, s[1]) }}
	}
	var table func(io.Writer)
	if sst != "" {
		table = func(w io.Writer) { _, _ = io.WriteString(w, sst) }
	}
	return buildXLSXStream(t, table, parts...)
}

// sheetPart is a worksheet of buildXLSXStream: its name and what writes its XML — or, with raw
// set, its deflated XML under that zip header (which may say anything of the sizes).
type sheetPart struct {
	name  string
	write func(w io.Writer)
	raw   *zip.FileHeader
}

// buildXLSXStream is buildXLSX with parts written by functions, for parts too large to hold as
// strings (they are compressed as they are written); sst nil for none.
func buildXLSXStream(t testing.TB, sst func(io.Writer), sheets ...sheetPart) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	addRaw := func(name string, write func(io.Writer), raw *zip.FileHeader) {
		var w io.Writer
		var err error
		if raw != nil {
			h := *raw
			h.Name = name
			w, err = zw.CreateRaw(&h)
		} else {
			w, err = zw.Create(name)
		}
		if err != nil {
			t.Fatal(err)
		}
		write(w)
	}
	add := func(name string, write func(io.Writer)) { addRaw(name, write, nil) }
	addString := func(name, body string) { add(name, func(w io.Writer) { _, _ = io.WriteString(w, body) }) }
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	var ct, wb, rels strings.Builder
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + `><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, s := range sheets {
		n := strconv.Itoa(i + 1)
		ct.WriteString(`<Override PartName="/xl/worksheets/sheet` + n + `.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
		wb.WriteString(`<sheet name="` + s.name + `" sheetId="` + n + `" r:id="rId` + n + `"/>`)
		rels.WriteString(`<Relationship Id="rId` + n + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet` + n + `.xml"/>`)
		addRaw("xl/worksheets/sheet"+n+".xml", s.write, s.raw)
	}
	if sst != nil {
		ct.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		rels.WriteString(`<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`)
		add("xl/sharedStrings.xml", sst)
	}
	ct.WriteString(`</Types>`)
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(`</Relationships>`)
	addString("[Content_Types].xml", ct.String())
	addString("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	addString("xl/workbook.xml", wb.String())
	addString("xl/_rels/workbook.xml.rels", rels.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// trickySheet uses what other producers write: a namespace prefix, cells and rows without r,
// rich text with a phonetic run, a formula's cached text, entities, CDATA, a comment, an
// _x000D_ escape, an error value, an ISO date cell and self-closing cells.
const trickySheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!-- written by hand -->
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
 <x:dimension ref="A1:F5"/>
 <x:sheetData>
  <x:row r="1" spans="1:6">
   <x:c r="A1" t="s"><x:v>0</x:v></x:c>
   <x:c r="B1" t="s"><x:v>1</x:v></x:c>
   <x:c r="C1" t="inlineStr"><x:is><x:t xml:space="preserve"> 出生日期 </x:t></x:is></x:c>
   <x:c r="E1" t="s"><x:v>2</x:v></x:c>
  </x:row>
  <x:row>
   <x:c t="inlineStr"><x:is><x:r><x:rPr><x:b/></x:rPr><x:t>巴</x:t></x:r><x:r><x:t>特尔</x:t></x:r><x:rPh sb="0" eb="1"><x:t>ba</x:t></x:rPh></x:is></x:c>
   <x:c><x:v>1</x:v></x:c>
   <x:c s="3"><x:v>42073</x:v></x:c>
   <x:c/>
   <x:c t="str"><x:f>"A&amp;"&amp;"B"</x:f><x:v>A&amp;B &lt;1&gt; &#x4E2D;&#25991;</x:v></x:c>
  </x:row>
  <x:row r="4"><x:c r="B4" t="e"><x:v>#N/A</x:v></x:c><x:c r="C4" t="d"><x:v>2015-03-10T00:00:00Z</x:v></x:c><x:c r="D4" t="inlineStr"><x:is><x:t><![CDATA[<b>&amp;</b>]]></x:t></x:is></x:c></x:row>
  <x:row r="5"><x:c r="A5" t="inlineStr"><x:is><x:t>第一行_x000D_第二行</x:t></x:is></x:c><x:c r="F5"><x:v>1.50304200001011E+17</x:v></x:c></x:row>
  <x:row r="6"/>
 </x:sheetData>
</x:worksheet>`

const trickySST = `<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="3" uniqueCount="3">
<si><t>姓名</t></si><si><r><t>性</t></r><r><rPr><sz val="11"/></rPr><t>别</t></r><rPh sb="0" eb="2"><t>xingbie</t></rPh></si><si><t/></si>
</sst>`

// sourceRows reads every row of the first sheet with this package's reader, as text by row
// number.
func sourceRows(t *testing.T, data []byte) map[int][]string {
	t.Helper()
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	out := map[int][]string{}
	for {
		num, cells, err := x.next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cells))
		for i, c := range cells {
			row[i] = c.text
		}
		if len(row) > 0 {
			out[num] = row
		}
	}
}

// excelizeRows reads every row of the first sheet with excelize's raw values.
func excelizeRows(t *testing.T, data []byte) map[int][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[int][]string{}
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		if len(r) > 0 {
			out[i+1] = r
		}
	}
	return out
}

// TestXLSXMatchesExcelize compares this package's sheet reader with excelize on workbooks
// written by excelize (shared strings), by its StreamWriter (inline strings) and by hand.
func TestXLSXMatchesExcelize(t *testing.T) {
	var export, tmpl bytes.Buffer
	if err := WriteChildren(&export, slices.Values(variedRecords(t)[:20]), WriteOptions{Title: "标题"}); err != nil {
		t.Fatal(err)
	}
	if err := Template(&tmpl); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"messy workbook", messyWorkbook(t)},
		{"export", export.Bytes()},
		{"template", tmpl.Bytes()},
		{"tricky", buildXLSX(t, trickySST, [2]string{"数据", trickySheet})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, want := sourceRows(t, tc.data), excelizeRows(t, tc.data)
			if !reflect.DeepEqual(got, want) {
				for n := 1; n <= 40; n++ {
					if !reflect.DeepEqual(got[n], want[n]) {
						t.Errorf("row %d:\n got %q\nwant %q", n, got[n], want[n])
					}
				}
			}
		})
	}
}

// TestXLSXCellTypes checks what the tricky sheet gives cell by cell, types included.
func TestXLSXCellTypes(t *testing.T) {
	data := buildXLSX(t, trickySST, [2]string{"数据", trickySheet})
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	defer x.close()
	want := []struct {
		num   int
		cells []cell
	}{
		{1, []cell{{text: "姓名"}, {text: "性别"}, {text: " 出生日期 "}, {}, {text: ""}}},
		{2, []cell{{text: "巴特尔"}, {text: "1", num: true}, {text: "42073", num: true}, {}, {text: "A&B <1> 中文"}}},
		{4, []cell{{}, {text: "#N/A"}, {text: "2015-03-10T00:00:00Z"}, {text: "<b>&amp;</b>"}}},
		{5, []cell{{text: "第一行\r第二行"}, {}, {}, {}, {}, {text: "1.50304200001011E+17", num: true}}},
		{6, nil},
	}
	for _, w := range want {
		num, cells, err := x.next()
		if err != nil {
			t.Fatalf("row %d: %v", w.num, err)
		}
		// Trailing empty cells are not stored.
		for len(w.cells) > 0 && w.cells[len(w.cells)-1] == (cell{}) {
			w.cells = w.cells[:len(w.cells)-1]
		}
		if num != w.num || !reflect.DeepEqual(slices.Clone(cells), w.cells) && !(len(cells) == 0 && len(w.cells) == 0) {
			t.Errorf("got row %d %+v, want row %d %+v", num, cells, w.num, w.cells)
		}
	}
	if _, _, err := x.next(); err != io.EOF {
		t.Errorf("after the last row: %v, want io.EOF", err)
	}
}

func TestXLSXSheetChoice(t *testing.T) {
	sheet := func(v string) string {
		return `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>` + v + `</t></is></c></row></sheetData></worksheet>`
	}
	data := buildXLSX(t, "", [2]string{"第一", sheet("a")}, [2]string{"第二", sheet("b")})
	for _, tc := range []struct{ sheet, want, code string }{
		{"", "a", ""},
		{"第二", "b", ""},
		{" 第二 ", "b", ""},
		{"第三", "", CodeSheetNotFound},
	} {
		x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), tc.sheet)
		if tc.code != "" {
			if fileErrorCode(err) != tc.code {
				t.Errorf("sheet %q: got error %v, want code %s", tc.sheet, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("sheet %q: %v", tc.sheet, err)
		}
		_, cells, err := x.next()
		if err != nil || len(cells) != 1 || cells[0].text != tc.want {
			t.Errorf("sheet %q: got %+v %v, want %s", tc.sheet, cells, err, tc.want)
		}
		x.close()
	}
}

func TestColumnIndex(t *testing.T) {
	for _, tc := range []struct {
		ref  string
		want int
		ok   bool
	}{{"A1", 0, true}, {"Z9", 25, true}, {"AA1", 26, true}, {"ab12", 27, true}, {"XFD1", 16383, true},
		{"XFE1", 0, false}, {"AAAA1", 0, false}, {"12", 0, false}, {"", 0, false}} {
		got, ok := columnIndex(tc.ref)
		if got != tc.want || ok != tc.ok {
			t.Errorf("columnIndex(%q) = %d, %v, want %d, %v", tc.ref, got, ok, tc.want, tc.ok)
		}
		if ok && columnName(got)+tc.ref[len(columnName(got)):] != strings.ToUpper(tc.ref) {
			t.Errorf("columnName(%d) = %s, want the letters of %s", got, columnName(got), tc.ref)
		}
	}
}
