package roster

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary cells to every department's row parser: it must not panic, every
// error must name a column and say something in Chinese, and a row without errors must carry a
// name and either an identity number or a birth date.
func FuzzParse(f *testing.F) {
	f.Add("education", "张小明", "150302201503101231", "2015-03-10", "四年级", "在校")
	f.Add("police", "马小龙", "640104201107200171", "2024/3/10", "2024.03.10至2027.03.10", "居住证")
	f.Add("disability", "李娜", "1.50302E+17", "20200105", "多重残疾（视力、肢体）", "二级")
	f.Add("insurance", "阿依古丽.买买提", "", "2016年2月3日", "停保", "宁夏回族自治区银川市兴庆区")
	f.Add("health", "x", "15030219800101001", "42073", "3", "在居住地接受")
	headers := map[string][]string{
		Education:  {"姓名", "身份证号", "出生日期", "年级", "在校状态"},
		Police:     {"姓名", "身份证号", "签发日期", "有效期限", "登记类型"},
		Disability: {"姓名", "身份证号", "出生日期", "残疾类别", "残疾等级"},
		Insurance:  {"姓名", "身份证号", "出生日期", "参保状态", "参保地"},
		Health:     {"姓名", "身份证号", "出生日期", "随访次数", "健康管理"},
	}
	f.Fuzz(func(t *testing.T, dep, name, id, birth, a, b string) {
		d, ok := Lookup(dep)
		if !ok {
			return
		}
		row := Parse(d, headers[d.Code], []string{name, id, birth, a, b}, ReadOptions{Today: today})
		for _, e := range row.Errors() {
			if e.Column == "" || e.Code == "" || !utf8.ValidString(e.Message) || !strings.ContainsFunc(e.Message, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Fatalf("bad problem %+v", e)
			}
		}
		if row.Issues.Valid() {
			r := row.Record
			if r.Name == "" || (r.IDNumber == "" && r.BirthDate == 0) {
				t.Fatalf("valid row without identity: %+v", r)
			}
		}
		_ = Merge(&row.Record, testRecord)
		_ = LeadReasons(&row.Record, today)
	})
}
