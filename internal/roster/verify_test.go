package roster

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
)

func TestParseToken(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		seq            int
	}{
		{"as written", "HCK7M2QX-0012", "HCK7M2QX-0012", 12},
		{"lower case and spaces", " hck7m2qx - 0012 ", "HCK7M2QX-0012", 12},
		{"full width", "ＨＣＫ７Ｍ２ＱＸ－０００１", "HCK7M2QX-0001", 1},
		{"five digits", "HCK7M2QX-12345", "HCK7M2QX-12345", 12345},
		{"no prefix", "K7M2QX-0012", "", 0},
		{"confusable letter O", "HCK7M2QO-0012", "", 0},
		{"short number", "HCK7M2QX-12", "", 0},
		{"zero", "HCK7M2QX-0000", "", 0},
		{"short code", "HCK7M2Q-0012", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, code, seq, ok := ParseToken(tc.in)
			if got != tc.want || ok != (tc.want != "") || seq != tc.seq || (ok && code != "K7M2QX") {
				t.Errorf("ParseToken(%q) = %q, %q, %d, %v; want %q, %d", tc.in, got, code, seq, ok, tc.want, tc.seq)
			}
		})
	}
	if c := NewTokenCode([]byte{0, 1, 2, 3, 255, 31}); len(c) != TokenCodeLen {
		t.Errorf("NewTokenCode = %q", c)
	}
	if _, _, _, ok := ParseToken(Token(NewTokenCode([]byte{9, 8, 7, 6, 5, 4}), 7)); !ok {
		t.Errorf("a new token does not parse")
	}
}

// verifyFixture is a health list of three children: one with an ID number, one without (the
// mother's name is given), one the department will not answer.
func verifyFixture() *VerifySheet {
	return &VerifySheet{Department: departments[2], Title: "健康管理核查名单", Watermark: "导出人：测试　仅用于核查，不得外传", Note: "2025 年上半年",
		Rows: []VerifyRow{
			{Token: "HCK7M2QX-0001", Record: &child.Record{Name: "王小明", Sex: "1", BirthDate: child.NewDate(2021, 3, 10), IDNumber: testID("150302", "20210310", "123"),
				ResidenceAddr: &child.Address{RegionCode: "150302003012", Detail: "清泉小区3号楼"}, Mother: &child.Parent{Name: "刘秀英"}}},
			{Token: "HCK7M2QX-0002", Record: &child.Record{Name: "李娜", Sex: "2", BirthDate: child.NewDate(2022, 1, 5),
				ResidenceAddr: &child.Address{RegionCode: "150302003"}, Mother: &child.Parent{Name: "张丽"}}},
			{Token: "HCK7M2QX-0003", Record: &child.Record{Name: "赵小龙", Sex: "1", BirthDate: child.NewDate(2020, 8, 1)}},
		}}
}

func TestVerificationSheetLayout(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteVerification(&buf, verifyFixture()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"核查名单", "填写说明"}) {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("核查名单")
	if len(rows) != 6 || !strings.Contains(rows[1][0], "不得外传") {
		t.Fatalf("rows %q", rows)
	}
	wantHeader := []string{"核查编号", "姓名", "性别", "出生日期", "公民身份号码", "现居住地", "母亲姓名"}
	if !slices.Equal(rows[2][:len(wantHeader)], wantHeader) || rows[2][len(rows[2])-2] != "核查结果" || rows[2][len(rows[2])-1] != "备注" {
		t.Errorf("header %q", rows[2])
	}
	if slices.Contains(rows[2], "户籍地址") || slices.Contains(rows[2], "父亲姓名") {
		t.Errorf("a health list carries columns the department does not need: %q", rows[2])
	}
	first := append(rows[3], make([]string, len(rows[2]))...) // GetRows drops trailing blank cells
	if first[0] != "HCK7M2QX-0001" || first[4] != testID("150302", "20210310", "123") || first[5] != "内蒙古自治区乌海市海勃湾区新华街道清泉社区" || first[6] != "" {
		t.Errorf("first row %q: want the token, the ID number as text, the community (not the house) and no mother's name", first)
	}
	if strings.Contains(strings.Join(first, ","), "清泉小区") {
		t.Errorf("the house address was written: %q", first)
	}
	if len(rows[4]) < 7 || rows[4][6] != "张丽" {
		t.Errorf("second row %q: the mother's name is given for a child without an ID number", rows[4])
	}
	// Identity cells are text: the ID number keeps its 18 digits.
	if st, _ := f.GetCellStyle("核查名单", "E4"); st == 0 {
		t.Errorf("E4 has the default style, want text")
	} else if s, _ := f.GetStyle(st); s.NumFmt != 49 {
		t.Errorf("E4 number format %d, want 49 (text)", s.NumFmt)
	}
	dvs, _ := f.GetDataValidations("核查名单")
	var result bool
	for _, dv := range dvs {
		if strings.Contains(dv.Formula1, "查无此人") {
			result = true
		}
	}
	if !result {
		t.Errorf("no drop-down for 核查结果")
	}
	help, _ := f.GetRows("填写说明")
	if len(help) < 8 || !strings.Contains(strings.Join(help[6], ""), "2025 年上半年") {
		t.Errorf("help %q", help)
	}
}

// TestVerificationRoundTrip: the list, filled in as a department would, reads back as a health
// roster: tokens, identity, facts and results; the row left as it was sent is no answer.
func TestVerificationRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteVerification(&buf, verifyFixture()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := f.GetRows("核查名单")
	col := func(name string) string { return columnLetter(slices.Index(header[2], name)) }
	set := func(c, row, v string) {
		if err := f.SetCellStr("核查名单", col(c)+row, v); err != nil {
			t.Fatal(err)
		}
	}
	set("健康管理次数", "4", "2")
	set("核查结果", "4", "已核实")
	set("核查结果", "5", "查无此人")
	set("备注", "5", "辖区内无此儿童")
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()), "answered.xlsx", dept(t, Health), ReadOptions{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if rd.HeaderRow() != 3 || len(rd.Warnings()) != 0 {
		t.Errorf("header row %d, warnings %+v", rd.HeaderRow(), rd.Warnings())
	}
	var got []Row
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 2 {
		t.Fatalf("read %d rows, want 2 (the unanswered one skipped)", len(got))
	}
	a, b := got[0], got[1]
	if !a.Issues.Valid() || !b.Issues.Valid() {
		t.Fatalf("issues %v / %v", codes(a.Issues.Errors), codes(b.Issues.Errors))
	}
	if a.Record.VerifyToken != "HCK7M2QX-0001" || a.Record.VerifyResult != VerifyFound || a.Record.HealthMgmt06 != "received" ||
		a.Record.IDNumber != testID("150302", "20210310", "123") || a.Record.ResidenceCode() != "150302003012" {
		t.Errorf("answered row %+v", a.Record)
	}
	if b.Record.VerifyToken != "HCK7M2QX-0002" || b.Record.VerifyResult != VerifyNotFound || b.Record.Name != "李娜" ||
		b.Record.BirthDate != child.NewDate(2022, 1, 5) || b.Record.MotherName != "张丽" {
		t.Errorf("not-found row %+v", b.Record)
	}
}

func TestVerificationColumnsInRosters(t *testing.T) {
	d := dept(t, Education)
	r := Parse(d, []string{"姓名", "身份证号", "核查编号", "核查结果"}, []string{"王小明", testID("150302", "20150310", "123"), "HC123-1", "待定"}, ReadOptions{Today: today})
	if r.Record.VerifyToken != "" || !slices.Contains(codes(r.Issues.Warnings), "verification_token:verify_token_format") ||
		!slices.Contains(codes(r.Issues.Errors), "verification_result:code") {
		t.Errorf("bad token and result: %+v warnings %v errors %v", r.Record, codes(r.Issues.Warnings), codes(r.Issues.Errors))
	}
	// A template never shows the verification columns.
	if slices.Contains(d.Columns(), "核查编号") {
		t.Errorf("template columns %v", d.Columns())
	}
}
