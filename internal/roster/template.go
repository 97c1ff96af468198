package roster

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/idcard"
)

// Names and layout of a roster template.
const (
	templateSheet   = "名册"
	helpSheet       = "填写说明"
	templateLastRow = 10000
)

// Template writes the department's roster template (名册模板) as xlsx: the worksheet 名册 with a
// title row, the header row and an example row marked 示例 (the reader skips it); every column
// formatted as text so that identity and certificate numbers keep their digits; drop-down lists
// for coded and 是/否 columns; and a worksheet 填写说明 with each column's rule and the other
// headers accepted for it.
func Template(w io.Writer, d *Department) error {
	if err := writeTemplate(w, d); err != nil {
		return fmt.Errorf("roster: template %s: %w", d.Code, err)
	}
	return nil
}

func writeTemplate(w io.Writer, d *Department) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return err
	}
	cols := d.fileColumns()
	last := columnLetter(len(cols) - 1)
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	textStyle, header, title, example := st.text, st.header, st.title, st.example
	if err := f.SetColStyle(templateSheet, "A:"+last, textStyle); err != nil {
		return err
	}
	if err := f.SetColWidth(templateSheet, "A", last, 16); err != nil {
		return err
	}
	if err := f.SetCellStr(templateSheet, "A1", d.Title); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A1", "A1", title); err != nil {
		return err
	}
	labels := make([]any, len(cols))
	for i, c := range cols {
		labels[i] = c.label
	}
	if err := f.SetSheetRow(templateSheet, "A2", &labels); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A2", last+"2", header); err != nil {
		return err
	}
	ex := exampleRow(d)
	row := make([]any, len(cols))
	for i, c := range cols {
		row[i] = ex[c.key]
	}
	if err := f.SetSheetRow(templateSheet, "A3", &row); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A3", last+"3", example); err != nil {
		return err
	}
	if err := f.SetPanes(templateSheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	for i, c := range cols {
		if err := addValidation(f, templateSheet, c, i, 3, templateLastRow); err != nil {
			return err
		}
	}
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	help := [][]string{{"列名", "填写要求", "也接受的列名"}}
	for _, c := range cols {
		help = append(help, []string{c.label, c.hint, strings.Join(sortedAliases(c), "、")})
	}
	help = append(help, []string{}, []string{"说明", "表头可以在标题行、空行下面；列的顺序可以调整；不认识的列会被忽略并提示。第 3 行是示例（姓名含“示例”），导入时跳过。" +
		"每行必须有姓名，以及公民身份号码或出生日期。本名册更新登记信息中的：" + fieldLabels(d.Fields) + "；与登记信息不一致的不会覆盖，而是列为差异，由工作人员核实。"})
	for i, r := range help {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", i+1), &cells); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(helpSheet, "A1", "C1", header); err != nil {
		return err
	}
	for col, wd := range map[string]float64{"A": 30, "B": 80, "C": 60} {
		if err := f.SetColWidth(helpSheet, col, col, wd); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// styles are the cell styles of a roster workbook.
type styles struct{ text, header, title, example int }

// newStyles adds the styles of a roster workbook to f: every cell text-formatted (identity and
// certificate numbers keep their digits), a shaded header, a large title, a grey example.
func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	if st.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return st, err
	}
	st.header, err = f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    []excelize.Border{{Type: "bottom", Color: "999999", Style: 1}}})
	if err != nil {
		return st, err
	}
	if st.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return st, err
	}
	st.example, err = f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Color: "808080", Italic: true}})
	return st, err
}

// choices lists the values a column's drop-down offers, nil for free text.
func choices(c column) []string {
	var list []string
	switch c.kind {
	case kCode:
		for _, code := range c.table.Codes() {
			list = append(list, code.Label)
		}
	case kBool:
		list = []string{"是", "否"}
	case kSex:
		list = []string{"男", "女"}
	case kInsured:
		list = []string{"已参保", "未参保"}
	case kResult:
		list = []string{"已核实", "查无此人"}
	}
	return list
}

// addValidation gives column i (0-based) of sheet, rows from to to, the column's drop-down list
// (a warning, not a refusal: the reader accepts more words than the list) and its rule as the
// input message.
func addValidation(f *excelize.File, sheet string, c column, i, from, to int) error {
	list := choices(c)
	if len(list) == 0 && c.hint == "" {
		return nil
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s%d:%s%d", columnLetter(i), from, columnLetter(i), to)
	if len(list) > 0 {
		if err := dv.SetDropList(list); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, c.label, c.label+"应从下拉列表中选择："+strings.Join(list, "、"))
	}
	if h := truncate(c.hint, 250); h != "" {
		dv.SetInput(truncate(c.label, 30), h)
	}
	return f.AddDataValidation(sheet, dv)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// fieldLabels names DATA.md items in Chinese.
func fieldLabels(paths []string) string {
	names := map[string]string{
		"school_name": "就读学校", "school_stage": "就学情况", "study_status": "学业状况", "boarding": "是否学校寄宿",
		"residence_registration": "居住登记", "health_mgmt_0_6": "0-6岁儿童健康管理服务", "tcm_mgmt_0_36m": "0-36个月儿童中医药健康管理服务",
		"medical_insurance": "纳入医保情况", "health": "健康状况", "disability_types": "残疾类别", "disability_grade": "残疾等级",
		"disability_certificate": "是否持有残疾人证", "disability_certificate_no": "残疾人证号", "rehabilitation": "接受康复救助情况",
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = names[p]
	}
	return strings.Join(out, "、")
}

// exampleRow is the template's example: a synthetic child with a valid identity number.
func exampleRow(d *Department) map[string]string {
	first17 := "15030220150310123"
	id := first17 + string(idcard.CheckDigit(first17))
	ex := map[string]string{
		kyName: "张小明（示例）", kySex: "男", kyBirth: "2015-03-10", kyID: id,
		kyHukouAddr: "内蒙古自治区乌海市海勃湾区新华街道人民路1号", kyResAddr: "内蒙古自治区乌海市海勃湾区新华街道清泉小区3栋501室",
		kyFather: "张建国", kyMother: "李秀梅", kyGuardian: "张建国",
		kyMigrant: "否", kyLeftBehind: "是", kyParentsAway: "是",
	}
	switch d.Code {
	case Education:
		ex[kySchool], ex[kyStage], ex[kyGrade], ex[kyStudy], ex[kyBoarding] = "乌海市第一小学", "小学", "四年级", "在读", "否"
	case Police:
		ex[kyRegistration], ex[kyPermitNo], ex[kyPermitIssued], ex[kyPermitExpiry] = "办理居住证", "150302202400001", "2024-03-10", "2027-03-10"
	case Health:
		ex[kyHealthMgmt], ex[kyHealthVisits], ex[kyTCM], ex[kyTCMVisits], ex[kyImmunization] = "在居住地接受", "2", "不适用", "0", "按时完成"
	case Insurance:
		ex[kyInsured], ex[kyInsurance], ex[kyInsurePlace], ex[kyScheme] = "已参保", "", "内蒙古自治区乌海市海勃湾区", "城乡居民基本医疗保险"
	case Disability:
		ex[kyCertNo], ex[kyDisTypes], ex[kyDisGrade], ex[kyRehab] = id+"42", "肢体", "二级", "是：在市残联康复中心训练"
	default:
		rollExample(d, ex)
	}
	return ex
}
