package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"guanai/internal/child"
)

// Run one with, for example: go test ./internal/sheet/ -run '^$' -fuzz FuzzReadCSV -fuzztime 60s

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2015-03-10", "2015/3/10", "2015.3.10", "2015年3月10日", "20150310", "42073", "42073.5",
		"２０１５－０３－１０", "2015-03-10T00:00:00Z", "2015-03-10 12:00", "2015 / 3 / 10", "2015-02-30", "60", "1e5", ""} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, date1904 bool) {
		d, res := parseDate(s, date1904)
		switch res {
		case dateOK:
			if d == 0 || child.NewDate(d.Year(), d.Month(), d.Day()) != d {
				t.Fatalf("parseDate(%q) = %v, not a calendar date", s, d)
			}
			// What the writer makes of it reads back the same.
			if back, r := parseDate(d.String(), false); back != d || r != dateOK {
				t.Fatalf("parseDate(%q) = %v, but %q reads as %v", s, d, d.String(), back)
			}
		default:
			if d != 0 {
				t.Fatalf("parseDate(%q) = %v with result %d", s, d, res)
			}
		}
	})
}

func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"视力、肢体", "多重残疾（视力、肢体）", "多重残疾(", "无", "低保、其他（因病致贫）", "其他：",
		"心理、行为异常", "视力 肢体", "（（、））", "、、，,;；|", "多重（多重（视力））"} {
		f.Add(s)
	}
	tables := []*child.CodeTable{child.DisabilityType, child.FamilyHardship, child.Health, child.Assistance}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tbl := range tables {
			res := parseSet(s, tbl)
			for _, c := range res.codes {
				if !tbl.Has(c) {
					t.Fatalf("parseSet(%q) gave %q, not a code of %s", s, c, tbl.Item)
				}
			}
			if !slices.Equal(res.codes, tbl.SortSet(res.codes)) {
				t.Fatalf("parseSet(%q) = %q, not sorted and unique", s, res.codes)
			}
			if len(res.bad) == 0 && !res.exclusive && !res.multiple && res.codes != nil {
				// Written back, a set reads as itself.
				back := parseSet(setText(tbl, res.codes), tbl)
				if !reflect.DeepEqual(back.codes, res.codes) || len(back.bad) > 0 {
					t.Fatalf("parseSet(%q) = %q, written %q, read back %+v", s, res.codes, setText(tbl, res.codes), back)
				}
			}
		}
	})
}

func FuzzCells(f *testing.F) {
	for _, s := range []string{"是：在市残联康复中心训练", "否", "=\"1503\"", "'0473", "1.50304200001011E+17", "姓 名*（必填）",
		"0-6岁儿童健康管理服务", "_x000D_", "&#x4E2D;&amp;", "是（", "\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = cleanCell(s)
		_ = cellString([]byte(s))
		s = strings.ToValidUTF8(s, "\uFFFD") // what the readers hand on
		_ = numberText(s)
		_ = lostDigits(s)
		_ = excelDisplay(s)
		_ = isScientific(s)
		_ = headerKey(s)
		_ = splitSet(s)
		_, _ = lookupCode(s, child.Ethnicity)
		_ = unescapeOOXML(s)
		_ = decodeEntities(nil, []byte(s))
		_ = spoiledAsNumber(s)
		if r := parseRehab(s); r != nil {
			if back := parseRehab(rehabText(r)); !reflect.DeepEqual(back, r) && r.Received != nil {
				t.Fatalf("parseRehab(%q) = %+v, written %q, read back %+v", s, r, rehabText(r), back)
			}
		}
	})
}

// readEverything reads every row of a file, failing only on a panic (which the fuzzer reports).
func readEverything(t *testing.T, data []byte, name string) {
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), name, ReadOptions{Today: testToday})
	if err != nil {
		var e *Error
		if !errors.As(err, &e) && name == "f.csv" {
			t.Fatalf("a text file failed without a file error: %v", err)
		}
		return
	}
	defer r.Close()
	for i := 0; i < 100000; i++ {
		row, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			return
		}
		_ = row.Errors()
		_ = row.Reject()
	}
}

func FuzzReadCSV(f *testing.F) {
	gbk, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte("姓名,性别,出生日期\r\n巴特尔,男,2015/3/10\r\n"))
	f.Add(gbk)
	f.Add([]byte("\ufeff姓名,性别,出生日期,身份证号\n张小明,男,2014-07-21,=\"150302201407210353\"\n\"a\nb\",女,42073,1.50302E+17\n"))
	f.Add([]byte("标题\n\n姓名\t性别\t出生日期\n王芳\t女\t2015年3月10日\n"))
	f.Add(append([]byte{0xFF, 0xFE}, utf16le("姓名\t性别\t出生日期\r\n")...))
	f.Add([]byte("姓名,姓名,性别,出生日期\n"))
	f.Add([]byte{0xff, 0xfe, 0xfd, '\n', '"'})
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, data, "f.csv")
	})
}

// FuzzReadXLSXSheet puts fuzzed worksheet XML and shared strings into a valid package. The
// sheet is also read with no memory for shared strings, every one of them spilled to a temporary
// file: it must read the same, and leave no file behind.
func FuzzReadXLSXSheet(f *testing.F) {
	f.Add([]byte(trickySheet), []byte(trickySST))
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="inlineStr"><is><t>出生日期</t></is></c></row>`+
		`<row r="2"><c t="inlineStr"><is><t>张小明</t></is></c><c><v>1</v></c><c s="1"><v>42073</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst><si><t>姓名</t></si><si><t>性别</t></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData><row r="99999999999"><c r="ZZZZ1"><v>1</v></c></row><row><c t="s"><v>-1</v></c></row></sheetData>`), []byte(`<sst><si>`))
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>父亲</t></is></c></row>`+
		`<row r="2"><c r="B2" t="inlineStr"><is><t>姓名</t></is></c><c t="inlineStr"><is><t>联系方式</t></is></c></row>`+
		`<row r="3"><c t="inlineStr"><is><t>张小明</t></is></c></row><row r="4"><c t="inlineStr"><is><t>张小红</t></is></c></row></sheetData>`+
		`<mergeCells count="3"><mergeCell ref="A1:A2"/><mergeCell ref="B1:C1"/><mergeCell ref="B3:C9"/><x:mergeCell ref="ZZZZZ1:A0"/></mergeCells></worksheet>`), []byte(``))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><worksheet><sheetData><row><c><v><![CDATA[1]]></v></c></row></sheetData></worksheet>`), []byte(``))
	f.Add([]byte(`<worksheet><sheetData><row><c t="s"><v>2</v></c><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row></sheetData></worksheet>`),
		[]byte("<sst><si><t>a&amp;b_x000D_</t></si><si/><si><r><t>\xff</t></r><r><t>c</t></r></si></sst>"))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		data := buildXLSX(t, string(sst), [2]string{"表", string(sheet)})
		readEverything(t, data, "f.xlsx")
		inMemory := scanAll(data)
		dir := withSST(t, 0)
		if spilled := scanAll(data); !reflect.DeepEqual(spilled, inMemory) {
			t.Fatalf("spilled table read\n%q\nin memory\n%q", spilled, inMemory)
		}
		if left := leftIn(t, dir); len(left) != 0 {
			t.Fatalf("left: %q", left)
		}
		// The scanner itself, on the raw sheet.
		x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			return
		}
		defer x.close()
		last := 0
		for i := 0; i < 100000; i++ {
			num, cells, err := x.next()
			if err != nil {
				return
			}
			if num <= last {
				t.Fatalf("row %d after row %d", num, last)
			}
			if len(cells) > maxColumns {
				t.Fatalf("%d cells", len(cells))
			}
			last = num
		}
	})
}

// scanAll reads every row of the first sheet with the sheet scanner: the rows as text, then
// the error that stopped it, if any.
func scanAll(data []byte) []string {
	x, err := openXLSX(context.Background(), bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	defer x.close()
	var out []string
	for i := 0; i < 100000; i++ {
		num, cells, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out = append(out, "error: "+err.Error())
			break
		}
		row := strconv.Itoa(num) + ":"
		for _, c := range cells {
			row += strconv.Quote(c.text) + strconv.FormatBool(c.num) + ","
		}
		out = append(out, row)
	}
	return out
}

// FuzzReadFile feeds arbitrary bytes as an .xlsx file (broken zips, zips of anything).
func FuzzReadFile(f *testing.F) {
	f.Add(zipWithFiles(map[string]string{"xl/workbook.xml": `<workbook><sheets><sheet name="a" r:id="r1" xmlns:r="x"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="r1" Target="/xl/../../etc/passwd"/></Relationships>`}))
	f.Add(zipWithFiles(map[string]string{"xl/workbook.xml": `<workbook/>`, "xl/worksheets/sheet1.xml": `<worksheet><sheetData><row><c t="inlineStr"><is><t>姓名</t></is></c></row></sheetData></worksheet>`}))
	f.Add(append(append([]byte{}, oleMagic...), 1, 2, 3))
	f.Add([]byte("<html>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, data, "f.xlsx")
		readEverything(t, data, "f.xls")
	})
}

func zipWithFiles(files map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			return nil
		}
		_, _ = w.Write([]byte(body))
	}
	_ = zw.Close()
	return buf.Bytes()
}
