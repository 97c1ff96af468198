package sheet

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
)

// Workbooks as people make them rather than as the template is: the table on the second sheet,
// brothers and sisters under merged parent and address cells, headers of two rows.

// workbook builds an xlsx with excelize; build fills it.
func workbook(t *testing.T, build func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func rowsOf(f *excelize.File, sheet string, start int, rows ...[]any) {
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, start+i)
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			panic(err)
		}
	}
}

func TestTableOnALaterSheet(t *testing.T) {
	id := synthID("150302", child.NewDate(2016, 2, 2), 1)
	data := workbook(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "填写说明"))
		rowsOf(f, "填写说明", 1, []any{"填写说明：请在“登记表”中填写，每名儿童一行。"}, []any{"姓名：必填"})
		_, err := f.NewSheet("登记表")
		must(t, err)
		rowsOf(f, "登记表", 1, []any{"姓名", "性别", "出生日期", "公民身份号码"}, []any{"周大宝", "男", "2016-02-02", id})
	})
	r, rows := readAll(t, data, "登记表.xlsx")
	if len(rows) != 1 || rows[0].Record.Name != "周大宝" || r.HeaderRow() != 1 {
		t.Fatalf("rows %+v", rows)
	}
	// No sheet has a header: the message names them all.
	bad := workbook(t, func(f *excelize.File) {
		rowsOf(f, "Sheet1", 1, []any{"说明"})
		_, err := f.NewSheet("数据")
		must(t, err)
		rowsOf(f, "数据", 1, []any{"甲", "乙"})
	})
	_, err := NewReader(bytes.NewReader(bad), int64(len(bad)), "x.xlsx", ReadOptions{})
	if fileErrorCode(err) != CodeNoHeader || !strings.Contains(err.Error(), "Sheet1、数据") {
		t.Errorf("no header anywhere: %v", err)
	}
}

func TestMergedCellsFillDown(t *testing.T) {
	first := synthID("150302", child.NewDate(2016, 2, 2), 1)
	second := synthID("150302", child.NewDate(2017, 3, 3), 2)
	data := workbook(t, func(f *excelize.File) {
		rowsOf(f, "Sheet1", 1,
			[]any{"乌海市流动儿童基本情况登记表"},
			[]any{"序号", "姓名", "性别", "出生日期", "公民身份号码", "现居住地区划代码", "父亲姓名", "填报单位"},
			[]any{1, "周大宝", "男", "2016-02-02", first, "150302003012", "周建", "清泉社区"},
			[]any{2, "周二宝", "女", "2017-03-03", second},
			[]any{},
			[]any{},
		)
		must(t, f.MergeCell("Sheet1", "A1", "H1"))   // a title: one row
		must(t, f.MergeCell("Sheet1", "F3", "F4"))   // one residence for both
		must(t, f.MergeCell("Sheet1", "G3", "G4"))   // one father
		must(t, f.MergeCell("Sheet1", "H3", "H6"))   // down over two blank rows
		must(t, f.SetCellValue("Sheet1", "C4", "女")) // (SetSheetRow left it)
		must(t, f.SetCellValue("Sheet1", "C10", "")) // nothing
	})
	_, rows := readAll(t, data, "a.xlsx")
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2 (the blank rows under the merged 填报单位 are no children): %+v", len(rows), rows)
	}
	for _, r := range rows {
		if r.Record.ResidenceAddr == nil || r.Record.ResidenceAddr.RegionCode != "150302003012" || r.Record.Father == nil || r.Record.Father.Name != "周建" {
			t.Errorf("row %d: residence %+v father %+v", r.Number, r.Record.ResidenceAddr, r.Record.Father)
		}
	}
	if rows[1].Cells[6] != "周建" {
		t.Errorf("the rejects file would lose the merged value: %q", rows[1].Cells)
	}
}

func TestTwoRowHeaders(t *testing.T) {
	id := synthID("150302", child.NewDate(2015, 3, 10), 1)
	fatherID := synthID("640104", child.NewDate(1985, 1, 1), 3)
	check := func(t *testing.T, data []byte) {
		t.Helper()
		r, rows := readAll(t, data, "a.xlsx")
		if len(rows) != 1 {
			t.Fatalf("%d rows (%+v), want 1; header %q", len(rows), rows, r.Header())
		}
		rec := rows[0].Record
		if rec.Name != "王小明" || rec.IDNumber != id || rec.Father == nil || rec.Father.Name != "王建国" || rec.Father.IDNumber != fatherID ||
			rec.Father.Phone != "13800000000" || rec.Mother == nil || rec.Mother.Name != "刘秀英" {
			t.Errorf("record %+v father %+v mother %+v; header %q; errors %+v", rec, rec.Father, rec.Mother, r.Header(), rows[0].Errors())
		}
		if len(r.Warnings()) != 0 {
			t.Errorf("warnings %+v", r.Warnings())
		}
	}
	t.Run("group labels in the header row, items below", func(t *testing.T) {
		check(t, workbook(t, func(f *excelize.File) {
			rowsOf(f, "Sheet1", 1,
				[]any{"序号", "姓名", "性别", "出生日期", "公民身份号码", "父亲", nil, nil, "母亲"},
				[]any{nil, nil, nil, nil, nil, "姓名", "公民身份号码", "联系方式", "姓名"},
				[]any{1, "王小明", "男", "2015-03-10", id, "王建国", fatherID, "13800000000", "刘秀英"},
			)
			for _, c := range []string{"A", "B", "C", "D", "E"} {
				must(t, f.MergeCell("Sheet1", c+"1", c+"2"))
			}
			must(t, f.MergeCell("Sheet1", "F1", "H1"))
		}))
	})
	t.Run("group labels above the header row", func(t *testing.T) {
		check(t, workbook(t, func(f *excelize.File) {
			rowsOf(f, "Sheet1", 1,
				[]any{"儿童基本信息", nil, nil, nil, "父亲信息", nil, nil, "母亲信息"},
				[]any{"姓名", "性别", "出生日期", "身份证号", "姓名", "身份证号", "联系电话", "姓名"},
				[]any{"王小明", "男", "2015-03-10", id, "王建国", fatherID, "13800000000", "刘秀英"},
			)
			must(t, f.MergeCell("Sheet1", "A1", "D1"))
			must(t, f.MergeCell("Sheet1", "E1", "G1"))
		}))
	})
	t.Run("a one-row header merged down over two rows", func(t *testing.T) {
		check(t, workbook(t, func(f *excelize.File) {
			header := []any{"姓名", "性别", "出生日期", "公民身份号码", "父亲姓名", "父亲公民身份号码", "父亲联系方式", "母亲姓名"}
			rowsOf(f, "Sheet1", 1, header, []any{}, []any{"王小明", "男", "2015-03-10", id, "王建国", fatherID, "13800000000", "刘秀英"})
			for i := range header {
				c, _ := excelize.ColumnNumberToName(i + 1)
				must(t, f.MergeCell("Sheet1", c+"1", c+"2"))
			}
		}))
	})
}

func TestComposeHeader(t *testing.T) {
	tests := []struct {
		name         string
		upper, lower []string
		want         []string
		ok           bool
	}{
		{"groups", []string{"姓名", "父亲", "", "母亲"}, []string{"", "姓名", "联系方式", "姓名"}, []string{"姓名", "父亲姓名", "父亲联系方式", "母亲姓名"}, true},
		{"suffix dropped", []string{"其他监护人信息", ""}, []string{"姓名", "公民身份号码"}, []string{"其他监护人姓名", "其他监护人公民身份号码"}, true},
		{"items alone", []string{"儿童基本信息", "", ""}, []string{"姓名", "性别", "出生日期"}, []string{"儿童姓名", "性别", "出生日期"}, true}, // 儿童姓名 is 姓名
		{"a data row", []string{"姓名", "性别", "出生日期"}, []string{"张三", "男", "2015-03-10"}, nil, false},
		{"one item is not enough", []string{"姓名", "父亲"}, []string{"", "姓名"}, nil, false},
		{"mostly unknown", []string{"a", "b", "c", "d", "e"}, []string{"姓名", "性别", "甲", "乙", "丙"}, nil, false},
	}
	for _, tt := range tests {
		got, ok := ComposeHeader(tt.upper, tt.lower, knownHeader)
		if ok != tt.ok || (ok && !slices.Equal(got, tt.want)) {
			t.Errorf("%s: %q %v, want %q %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTableNextSheet(t *testing.T) {
	data := workbook(t, func(f *excelize.File) {
		must(t, f.SetSheetName("Sheet1", "说明"))
		rowsOf(f, "说明", 1, []any{"说明"})
		_, err := f.NewSheet("名册")
		must(t, err)
		rowsOf(f, "名册", 1, []any{"姓名", "学校"}, []any{"张三", "一小"})
	})
	tb, err := NewTable(bytes.NewReader(data), int64(len(data)), "a.xlsx", "")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if _, cells, err := tb.Next(); err != nil || cells[0].Text != "说明" || tb.Sheet != "说明" {
		t.Fatalf("first sheet: %v %v", cells, err)
	}
	if ok, err := tb.NextSheet(); !ok || err != nil || tb.Sheet != "名册" {
		t.Fatalf("next sheet: %v %v", ok, err)
	}
	if num, cells, err := tb.Next(); err != nil || num != 1 || cells[0].Text != "姓名" {
		t.Fatalf("second sheet: %d %v %v", num, cells, err)
	}
	if ok, _ := tb.NextSheet(); ok {
		t.Error("a third sheet")
	}
}

// TestWriteTableSheetName: a work list named after a long report still makes a workbook (Excel
// allows 31 characters in a worksheet's name, and no : \ / ? * [ ]).
func TestWriteTableSheetName(t *testing.T) {
	var buf bytes.Buffer
	rows := func(yield func([]string) bool) { yield([]string{"1", "2"}) }
	name := "差异核查-义务教育年龄（6-15 周岁）儿童不在任何学生名册中：第[1]批/汇总"
	if err := WriteTable(&buf, []string{"甲", "乙"}, rows, nil, WriteOptions{SheetName: name}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := f.GetSheetName(0)
	if n := len([]rune(got)); n != 31 || strings.ContainsAny(got, `:\/?*[]`) {
		t.Errorf("sheet name %q (%d characters)", got, n)
	}
}
