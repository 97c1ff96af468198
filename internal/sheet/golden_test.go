package sheet

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"guanai/internal/child"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenFile is what a golden file holds: the header found, the file's warnings, and each row
// read with its errors and warnings.
type goldenFile struct {
	Format    string      `json:"format"`
	HeaderRow int         `json:"header_row"`
	Header    []string    `json:"header"`
	Warnings  []Problem   `json:"warnings"`
	Rows      []goldenRow `json:"rows"`
}

type goldenRow struct {
	Row      int          `json:"row"`
	Record   child.Record `json:"record"`
	Errors   []Problem    `json:"errors"`
	Warnings []Problem    `json:"warnings"`
}

// checkGolden reads data and compares the result with testdata/name.golden.json.
func checkGolden(t *testing.T, data []byte, file, golden string) {
	t.Helper()
	r, rows := readAll(t, data, file)
	g := goldenFile{Format: r.Format(), HeaderRow: r.HeaderRow(), Header: r.Header(), Warnings: r.Warnings()}
	for _, row := range rows {
		g.Rows = append(g.Rows, goldenRow{Row: row.Number, Record: row.Record, Errors: row.Errors(), Warnings: row.Warnings()})
	}
	got, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", golden+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (rerun with -update after checking the difference):\n%s", file, path, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the first lines that differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 12; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + wl + "\n  got  " + gl + "\n")
			shown++
		}
	}
	return b.String()
}

// messyWorkbook builds a workbook as people send them: a title and a 填报单位 line above the
// header, a blank row, header aliases with spaces, line breaks, a trailing * and （必填）,
// shuffled columns, unknown columns, the five date shapes and Excel dates (a date-formatted cell
// and a bare serial number), full-width digits, identity numbers that Excel turned into numbers,
// wrong check digits, sex against the identity number, a landline that lost its leading 0, and
// a signature line under the table.
func messyWorkbook(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const s = "Sheet1"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName(s, "登记表"))
	sh := "登记表"
	must(f.SetCellStr(sh, "A1", "乌海市流动儿童基本情况登记表"))
	must(f.MergeCell(sh, "A1", "H1"))
	must(f.SetCellStr(sh, "A2", "填报单位：海勃湾区新华街道清泉社区（盖章）　　填报日期：2025年6月30日"))
	header := []string{
		"序号", "姓 名*", "身份证号码", "性别（必填）", "出生\n日期", "民族", "现住址", "户籍地址", "是否登记户口",
		"父亲姓名", "父亲联系电话", "父亲身份证号", "母亲姓名", "母亲联系方式", "残疾类别", "残疾等级", "健康状况",
		"家庭困难情况", "离开户籍地日期", "来现居住地日期", "年龄", "就学情况", "是否学校寄宿", "接受康复救助情况",
		"有无受委托照护人", "受委托照护人姓名", "受委托照护人与儿童关系", "是否主动求助", "求助说明", "是否流浪",
		"填报日期", "备注",
	}
	for i, h := range header {
		must(f.SetCellStr(sh, columnName(i)+"4", h))
	}
	col := map[string]string{}
	for i, h := range header {
		col[h] = columnName(i)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	cnDateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy\"年\"m\"月\"d\"日\"")})
	must(err)

	// set writes a row from header → value; a value of type func(cell string) sets the cell itself.
	set := func(row int, vals map[string]any) {
		t.Helper()
		for h, v := range vals {
			c, ok := col[h]
			if !ok {
				t.Fatalf("no column %s", h)
			}
			ref := c + strconv.Itoa(row)
			switch v := v.(type) {
			case string:
				must(f.SetCellStr(sh, ref, v))
			case func(string):
				v(ref)
			default:
				must(f.SetCellValue(sh, ref, v))
			}
		}
	}
	number := func(raw string) func(string) { // a number cell holding raw as Excel stores it
		return func(ref string) { must(f.SetCellDefault(sh, ref, raw)) }
	}
	excelDate := func(y, m, d, style int) func(string) {
		return func(ref string) {
			must(f.SetCellValue(sh, ref, time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)))
			must(f.SetCellStyle(sh, ref, ref, style))
		}
	}
	birth := child.NewDate(2015, 3, 10)
	boyID := synthID("150302", birth, 123)
	girlID := synthID("150303", birth, 246)
	fatherID := synthID("150302", child.NewDate(1986, 4, 5), 111)

	// 6: everything right; an Excel date cell; a full address resolved to its division.
	set(6, map[string]any{"序号": 1, "姓 名*": "张小明", "身份证号码": boyID, "性别（必填）": "男", "出生\n日期": excelDate(2015, 3, 10, dateStyle),
		"民族": "汉", "现住址": "内蒙古自治区乌海市海勃湾区新华街道人民路1号", "户籍地址": "内蒙古自治区乌海市海南区", "是否登记户口": "是",
		"父亲姓名": "张建国", "父亲联系电话": "138 0013 8000", "父亲身份证号": fatherID, "母亲姓名": "李秀梅", "母亲联系方式": "0473-3123456",
		"残疾类别": "无", "健康状况": "健康", "家庭困难情况": "无", "离开户籍地日期": "2020-08-01", "来现居住地日期": "2020/8/3",
		"年龄": 10, "就学情况": "小学", "是否学校寄宿": "否", "有无受委托照护人": "无", "是否主动求助": "否", "是否流浪": "否",
		"填报日期": excelDate(2025, 6, 30, cnDateStyle)})
	// 7: the identity number in a number cell (Excel shows 1.50302E+17); 蒙古 for 蒙古族; date
	// 2015/3/10; 多重残疾 with its list; full-width digits in a phone.
	set(7, map[string]any{"序号": 2, "姓 名*": "巴特尔", "身份证号码": number("1.50302201503101E+17"), "性别（必填）": "1", "出生\n日期": "2015/3/10",
		"民族": "蒙古", "是否登记户口": "是", "父亲姓名": "巴图", "父亲联系电话": "１３９４７３１２３４５",
		"残疾类别": "多重残疾（视力、肢体）", "残疾等级": "二级", "健康状况": "残疾", "接受康复救助情况": "是：在市残联康复中心训练",
		"有无受委托照护人": "有", "受委托照护人姓名": "其木格", "受委托照护人与儿童关系": "外婆"})
	// 8: a minority name typed with a full stop; 2015.3.10; a wrong check digit; the code 05.
	bad := girlID[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", girlID[17])+1)%11])
	set(8, map[string]any{"序号": 3, "姓 名*": "阿依古丽.买买提", "身份证号码": bad, "性别（必填）": "女", "出生\n日期": "2015.3.10",
		"民族": "05", "是否登记户口": "是", "健康状况": "慢性病、心理、行为异常", "家庭困难情况": "低保、其他（因病致贫）",
		"是否主动求助": "是", "求助说明": "申请助学帮扶"})
	// 9: 2015年3月10日; sex 女 against a man's identity number, typed in full-width digits.
	set(9, map[string]any{"序号": 4, "姓 名*": "王  芳", "身份证号码": toFullWidth(boyID), "性别（必填）": "女", "出生\n日期": "2015年3月10日",
		"民族": "汉族", "是否登记户口": "是", "就学情况": "学前", "受委托照护人姓名": "王奶奶", "受委托照护人与儿童关系": "姑姑"})
	// 10: 20150310; an identity number that lost its last digits as a number (…000); a landline
	// that lost its leading 0.
	set(10, map[string]any{"序号": 5, "姓 名*": "刘洋", "身份证号码": number("150302201503101000"), "性别（必填）": "男", "出生\n日期": "20150310",
		"民族": "回族", "是否登记户口": "是", "父亲姓名": "刘强", "父亲联系电话": number("4733123456")})
	// 11: a bare serial number 42073 (= 2015-03-10) in a General cell; hukou registered without an
	// identity number; arrived before leaving.
	set(11, map[string]any{"序号": 6, "姓 名*": "赵磊", "性别（必填）": "男", "出生\n日期": number("42073"), "是否登记户口": "是",
		"离开户籍地日期": "2021-05-01", "来现居住地日期": "2021-04-01"})
	// 12: impossible date; stray spaces; a disability type without its grade; 是 and 无 mixed up.
	set(12, map[string]any{"序号": 7, "姓 名*": " 孙 悦 ", "性别（必填）": " 女 ", "出生\n日期": "2015-02-30", "残疾类别": "视力、肢体",
		"健康状况": "健康、无", "是否学校寄宿": "住校", "民族": "火星族"})
	// 13: a text identity number ending in 000 whose check digit fits; a 15-digit legacy number for
	// the father.
	zeroes := findID000(t)
	set(13, map[string]any{"序号": 8, "姓 名*": "周婷", "身份证号码": zeroes, "性别（必填）": "女", "出生\n日期": zeroes[6:14],
		"父亲姓名": "周勇", "父亲身份证号": "150302860405111"})
	// 14: no name.
	set(14, map[string]any{"序号": 9, "性别（必填）": "男", "出生\n日期": "2016-01-01"})
	// 16: a signature line under the table, then a 序号 with nothing else.
	set(16, map[string]any{"姓 名*": "填表人：王芳　　审核人：李强"})
	set(17, map[string]any{"序号": 10})

	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func ptr[T any](v T) *T { return &v }

// toFullWidth turns ASCII digits and letters into their full-width forms.
func toFullWidth(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f {
			r += 0xFEE0
		}
		b.WriteRune(r)
	}
	return b.String()
}

// findID000 returns a valid identity number ending in 000 (a check digit of 0 after …00).
func findID000(t testing.TB) string {
	for d := 1; d <= 28; d++ {
		for seq := 0; seq < 1000; seq += 100 {
			id := synthID("150302", child.NewDate(2012, 2, d), seq)
			if strings.HasSuffix(id, "000") {
				return id
			}
		}
	}
	t.Fatal("no identity number ending in 000")
	return ""
}

func TestGoldenMessyWorkbook(t *testing.T) {
	checkGolden(t, messyWorkbook(t), "登记表.xlsx", "messy_xlsx")
}

func TestGoldenMessyWorkbookAsXLS(t *testing.T) {
	// The same workbook under the old name, as a newer Excel saves it: read by content.
	checkGolden(t, messyWorkbook(t), "登记表.xls", "messy_xlsx")
}

// gbkCSV is a CSV file as a Chinese Excel saves "CSV (逗号分隔)": GB18030, a title row, the
// identity number as Excel showed it (1.50302E+17), and dates as Excel displays them.
const gbkCSV = "乌海市留守儿童基本情况登记表,,,,,,\r\n" +
	",,,,,,\r\n" +
	"姓名,性别,出生日期,民族,公民身份号码,现居住地,父母双方同时外出\r\n" +
	"巴特尔,男,2015/3/10,蒙古族,1.50302E+17,内蒙古自治区乌海市乌达区,是\r\n" +
	"其木格,女,2016/11/2,02,%s,海勃湾区新华街道,否\r\n" +
	"\"阿依古丽·买买提\",女,2016-13-01,维吾尔族,%s,乌海市海南区,是\r\n"

func TestGoldenGB18030CSV(t *testing.T) {
	girl := synthID("150303", child.NewDate(2016, 11, 2), 246)
	text := strings.ReplaceAll(gbkCSV, "%s", girl)
	data, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(data, []byte(text)) {
		t.Fatal("encoding to GB18030 changed nothing")
	}
	checkGolden(t, data, "名单.csv", "gb18030_csv")
}

// bomCSV is UTF-8 with a byte order mark, written by another system: ="…" around an identity
// number, a line break inside a quoted cell, 18 digits ending in 000 with a wrong check digit,
// a blank line that still counts as a row, and an address whose text and code disagree.
func TestGoldenBOMCSV(t *testing.T) {
	boy := synthID("150302", child.NewDate(2014, 7, 21), 35)
	text := "\ufeff姓名,性别,出生日期,身份证号,户籍地址,户籍地区划代码,健康状况\n" +
		"张小明,男,2014-07-21,=\"" + boy + "\",\"内蒙古自治区乌海市海勃湾区\n新华街道人民路1号\",150302003,健康\n" +
		"\n" +
		"李娜,女,2014-07-21,150302201407210000,人民路2号,150302003000,\"重病,慢性病\"\n" +
		"王芳,女,2014-07-21,,内蒙古自治区乌海市乌达区新达街9号,150302003,健康\n"
	checkGolden(t, []byte(text), "名单.csv", "bom_csv")
}
