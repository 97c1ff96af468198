package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
)

func TestFileErrors(t *testing.T) {
	ole := append(append([]byte{}, oleMagic...), make([]byte, 600)...)
	encrypted := append(append([]byte{}, ole...), utf16le("EncryptedPackage")...)
	for _, tc := range []struct {
		name string
		file string
		data []byte
		code string
		msg  string
	}{
		{"empty", "a.xlsx", nil, CodeEmpty, "文件是空的"},
		{"legacy xls", "名单.xls", ole, CodeLegacyXLS, "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx"},
		{"encrypted xlsx", "名单.xlsx", encrypted, CodeEncrypted, ""},
		{"html saved as xls", "导出.xls", []byte("<html><body><table><tr><td>姓名</td></tr></table></body></html>"), CodeHTML, ""},
		{"excel 2003 xml", "a.xls", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>`), CodeXML2003, ""},
		{"text named xlsx", "a.xlsx", []byte("姓名,性别,出生日期\n张小明,男,2015-03-10\n"), CodeBadXLSX, ""},
		{"broken zip", "a.xlsx", []byte("PK\x03\x04 this is not a zip"), CodeBadXLSX, ""},
		{"binary", "a.csv", []byte{1, 2, 0, 0, 0, 3, 0, 0, 5, 0, 0, 0, 9, 9, 9, 0}, CodeNotSpreadsheet, ""},
		{"no header", "a.csv", []byte("张小明,男,2015-03-10\n李娜,女,2016-01-01\n"), CodeNoHeader, ""},
		{"header without 姓名", "a.csv", []byte("性别,出生日期,民族,公民身份号码\n"), CodeNoHeader, ""},
		{"header too low", "a.csv", []byte(strings.Repeat("\n", 30) + "姓名,性别,出生日期\n"), CodeNoHeader, ""},
		{"duplicate column", "a.csv", []byte("姓名,身份证号,性别,公民身份号码\n"), CodeDuplicateColumn,
			"表头第 B 列“身份证号”和第 D 列“公民身份号码”是同一项（公民身份号码），请删除其中一列；父母、监护人的信息请用带前缀的列名，如“父亲姓名”"},
		{"two-level header flattened", "a.csv", []byte("姓名,性别,出生日期,姓名,联系方式\n"), CodeDuplicateColumn, ""},
		{"xlsb", "a.xlsb", zipWith(t, "xl/workbook.bin"), CodeXLSB, ""},
		{"ods", "a.ods", zipWith(t, "mimetype", "content.xml"), CodeODS, ""},
		{"zip without workbook", "a.xlsx", zipWith(t, "word/document.xml"), CodeBadXLSX, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tc.data), int64(len(tc.data)), tc.file, ReadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if got := fileErrorCode(err); got != tc.code {
				t.Errorf("error %q has code %q, want %q", err, got, tc.code)
			}
			if !strings.HasPrefix(err.Error(), "sheet: "+tc.file+": ") {
				t.Errorf("error %q lacks the context sheet: %s:", err, tc.file)
			}
			var e *Error
			if tc.msg != "" && (!errors.As(err, &e) || e.Message != tc.msg) {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
		})
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// zipWith returns a zip holding empty files of these names.
func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnknownColumnsAndSkippedRows(t *testing.T) {
	text := "乌海市流动儿童基本情况登记表\n" +
		"填报单位：清泉社区,,,\n" +
		",,,\n" +
		"序号,姓名,性别,出生日期,年龄,备注,错误原因\n" +
		"1,张小明,男,2015-03-10,10,,\n" +
		"2,张小明（示例）,男,2015-03-10,,,\n" +
		"3,,,,,这一行只有备注,\n" +
		"4,合计,,,,,\n" +
		"填表人：王芳,填表人：王芳,,,,,\n" +
		// The total and signature lines where forms often put them: in the 序号 column.
		"合计,2人,,,,,\n" +
		"合　计：,,,,,,\n" +
		"填表人：王芳,,,审核人：李强,,,\n" +
		",,,,审核人：李强,,\n"
	r, rows := readAll(t, []byte(text), "a.csv")
	if r.HeaderRow() != 4 {
		t.Errorf("header row %d, want 4", r.HeaderRow())
	}
	var cols []string
	for _, w := range r.Warnings() {
		cols = append(cols, w.Column)
		if w.Code != "unknown_column" || w.Row != 4 {
			t.Errorf("warning %+v, want unknown_column of row 4", w)
		}
	}
	if !slices.Equal(cols, []string{"年龄", "备注"}) {
		t.Errorf("unknown columns %q, want 年龄 and 备注 (序号 and 错误原因 are ignored silently)", cols)
	}
	if len(rows) != 1 || rows[0].Number != 5 || rows[0].Record.Name != "张小明" {
		t.Errorf("got %d rows (%+v), want only row 5 张小明", len(rows), rows)
	}
}

func TestMissingBirthDateColumn(t *testing.T) {
	r, rows := readAll(t, []byte("姓名,性别,民族\n张小明,男,汉族\n"), "a.csv")
	if len(r.Warnings()) != 1 || r.Warnings()[0].Code != "missing_column" {
		t.Errorf("warnings %+v, want missing_column", r.Warnings())
	}
	if len(rows) != 1 || len(rows[0].Errors()) != 1 || rows[0].Errors()[0].Column != "出生日期" {
		t.Errorf("rows %+v, want one row with the error of 出生日期", rows)
	}
}

func TestDelimitersAndEncodings(t *testing.T) {
	want := child.Record{Name: "巴特尔", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), Ethnicity: "02"}
	utf16text := "姓名\t性别\t出生日期\t民族\r\n巴特尔\t男\t2015/3/10\t蒙古族\r\n"
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"comma", []byte("姓名,性别,出生日期,民族\n巴特尔,男,2015/3/10,蒙古族\n")},
		{"semicolon", []byte("姓名;性别;出生日期;民族\n巴特尔;男;2015/3/10;蒙古族\n")},
		{"tab", []byte("姓名\t性别\t出生日期\t民族\n巴特尔\t男\t2015/3/10\t蒙古族\n")},
		{"utf-16le with BOM (Excel's Unicode text)", append([]byte{0xFF, 0xFE}, utf16le(utf16text)...)},
		{"utf-16le without BOM", utf16le(utf16text)},
		{"CR LF and a BOM", []byte("\ufeff姓名,性别,出生日期,民族\r\n巴特尔,男,2015/3/10,蒙古族\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rows := readAll(t, tc.data, "a.txt")
			if len(rows) != 1 {
				t.Fatalf("got %d rows, want 1", len(rows))
			}
			if got := rows[0].Record; got.Name != want.Name || got.Sex != want.Sex || got.BirthDate != want.BirthDate || got.Ethnicity != want.Ethnicity {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestCSVUnclosedQuote: an unclosed quote swallows the rest of the file into one cell (as Excel
// reads it too); that row is an error and the rows before it are read.
func TestCSVUnclosedQuote(t *testing.T) {
	data := []byte("姓名,性别,出生日期\n张小明,男,2015-03-10\n\"李娜,女,2016-01-01\n王芳,女,2016-02-02\n")
	_, rows := readAll(t, data, "a.csv")
	if len(rows) != 2 || rows[0].Record.Name != "张小明" || len(rows[0].Issues.Errors) != 0 {
		t.Fatalf("rows %+v", rows)
	}
	if errs := rows[1].Errors(); rows[1].Number != 3 || len(errs) == 0 || errs[0].Column != "姓名" {
		t.Errorf("row %d errors %+v, want an error of 姓名 in row 3", rows[1].Number, errs)
	}
}

func TestTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := Template(&buf); err != nil {
		t.Fatal(err)
	}
	r, rows := readAll(t, buf.Bytes(), "导入模板.xlsx")
	if r.HeaderRow() != 2 || !slices.Equal(r.Header(), Labels()) {
		t.Errorf("header row %d %q, want row 2 with Labels()", r.HeaderRow(), r.Header())
	}
	if len(r.Warnings()) != 0 || len(rows) != 0 {
		t.Errorf("warnings %+v, rows %+v: want none (the example row is skipped)", r.Warnings(), rows)
	}

	// The example row is a valid child once its 示例 mark is removed.
	ex := exampleRecord()
	ex.Name = "张小明"
	var is child.Issues
	child.Validate(&ex, &is, child.Options{Today: testToday, Import: true})
	if len(is.Errors) != 0 {
		t.Errorf("example row: %+v", is.Errors)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{templateSheet, optionSheet, helpSheet}) {
		t.Errorf("sheets %q", got)
	}
	if v, _ := f.GetSheetVisible(optionSheet); v {
		t.Errorf("sheet %s is visible", optionSheet)
	}
	dvs, err := f.GetDataValidations(templateSheet)
	if err != nil {
		t.Fatal(err)
	}
	byCol := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		byCol[strings.TrimRight(strings.SplitN(dv.Sqref, ":", 2)[0], "0123456789")] = dv
	}
	for i, c := range columns {
		dv := byCol[columnName(i)]
		switch c.kind {
		case kCode, kBool, kSet, kRelation:
			if dv == nil || dv.Type != "list" {
				t.Errorf("column %s (%s) has no drop-down list: %+v", columnName(i), c.label, dv)
			}
		case kID, kPhone, kDate:
			if dv == nil || !dv.ShowInputMessage {
				t.Errorf("column %s (%s) has no hint", columnName(i), c.label)
			}
		}
		// Every column is text, so that identity numbers and phones keep their digits.
		style, err := f.GetCellStyle(templateSheet, columnName(i)+"10")
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.GetStyle(style)
		if err != nil || s.NumFmt != 49 {
			t.Errorf("column %s (%s) is not text-formatted: %+v %v", columnName(i), c.label, s, err)
		}
	}
	if dv := byCol[columnName(cSex)]; dv == nil || !strings.Contains(dv.Formula1, optionSheet) {
		t.Errorf("性别 drop-down %+v does not list from %s", dv, optionSheet)
	}
}

func TestRejects(t *testing.T) {
	r, rows := readAll(t, messyWorkbook(t), "登记表.xlsx")
	var rejects []RejectRow
	for _, row := range rows {
		if len(row.Issues.Errors) > 0 {
			rejects = append(rejects, row.Reject())
		}
	}
	if len(rejects) < 5 {
		t.Fatalf("only %d rejected rows", len(rejects))
	}
	for _, format := range []struct {
		name string
		opt  WriteOptions
	}{{"退回.xlsx", WriteOptions{}}, {"退回.csv", WriteOptions{Format: FormatFor("退回.csv")}}} {
		t.Run(format.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteRejects(&buf, r.Header(), rejects, format.opt); err != nil {
				t.Fatal(err)
			}
			// The rejects file imports again with the same errors; 错误原因 is ignored silently.
			r2, rows2 := readAll(t, buf.Bytes(), format.name)
			if !slices.Equal(r2.Header(), append(slices.Clone(r.Header()), "错误原因")) {
				t.Errorf("header %q", r2.Header())
			}
			if len(r2.Warnings()) != len(r.Warnings()) {
				t.Errorf("warnings %+v, want those of the original %+v", r2.Warnings(), r.Warnings())
			}
			if len(rows2) != len(rejects) {
				t.Fatalf("%d rows, want %d", len(rows2), len(rejects))
			}
			for i, row := range rows2 {
				if got, want := row.Cells[len(row.Cells)-1], rejects[i].Reason; got != want {
					t.Errorf("row %d reason %q, want %q", row.Number, got, want)
				}
				var codes, wantCodes []string
				for _, e := range row.Errors() {
					codes = append(codes, e.Column)
				}
				for _, row0 := range rows {
					if row0.Number == rejects[i].Number {
						for _, e := range row0.Errors() {
							wantCodes = append(wantCodes, e.Column)
						}
					}
				}
				// A number cell becomes text in the rejects file (a landline that lost its 0 is
				// then a plain phone error): compare the columns in error.
				if !slices.Equal(codes, wantCodes) {
					t.Errorf("row %d errors %q, want %q", row.Number, codes, wantCodes)
				}
			}
		})
	}
}

func TestRowReject(t *testing.T) {
	row := Row{Number: 7, Cells: []string{"张小明"}, Issues: child.Issues{Errors: []child.Issue{
		{Field: "id_number", Code: "checksum", Message: "公民身份号码校验位错误"},
		{Field: "father.phone", Code: "phone", Message: "父亲联系方式不对"},
		{Field: "id_number", Code: "checksum", Message: "公民身份号码校验位错误"},
	}}}
	got := row.Reject()
	if got.Reason != "公民身份号码校验位错误；父亲联系方式不对" || got.Number != 7 {
		t.Errorf("Reject() = %+v", got)
	}
	errs := row.Errors()
	if len(errs) != 3 || errs[1].Column != "父亲联系方式" || errs[1].Row != 7 || errs[1].Field != "father.phone" {
		t.Errorf("Errors() = %+v", errs)
	}
}

func TestOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "名单.xls")
	if err := os.WriteFile(path, messyWorkbook(t), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, ReadOptions{Today: testToday, Sheet: "登记表"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		n++
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	if n != 9 || r.Format() != "xlsx" {
		t.Errorf("read %d rows as %s, want 9 as xlsx", n, r.Format())
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.xlsx"), ReadOptions{}); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}
