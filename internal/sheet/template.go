package sheet

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
)

// Names and layout of the template workbook.
const (
	templateTitle   = "乌海市流动儿童、留守儿童基本情况登记表（导入模板）"
	templateSheet   = "儿童信息"
	helpSheet       = "填写说明"
	optionSheet     = "选项"
	templateLastRow = 10000 // drop-downs and hints reach this row
)

// Template writes the import template (导入模板) for download: the worksheet 儿童信息 with a title
// row, the header row of Labels() and an example row marked 示例 (the reader skips it); every
// column formatted as text so that identity numbers and phones keep their digits; drop-down
// lists for the coded columns (from the hidden worksheet 选项) and 是/否 columns; a hint on
// selecting a cell of a date, identity number or phone column; and a worksheet 填写说明 that
// lists each column's rule.
func Template(w io.Writer) error {
	if err := writeTemplate(w); err != nil {
		return fmt.Errorf("sheet: template: %w", err)
	}
	return nil
}

func writeTemplate(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", templateSheet); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	last := columnName(numColumns - 1)
	if err := f.SetColStyle(templateSheet, "A:"+last, st.text); err != nil {
		return err
	}
	for i, wd := range columnWidths() {
		if err := f.SetColWidth(templateSheet, columnName(i), columnName(i), wd); err != nil {
			return err
		}
	}
	if err := f.SetCellStr(templateSheet, "A1", templateTitle); err != nil {
		return err
	}
	if err := f.MergeCell(templateSheet, "A1", "P1"); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A1", "A1", st.title); err != nil {
		return err
	}
	if err := f.SetRowHeight(templateSheet, 1, 28); err != nil {
		return err
	}
	if err := f.SetSheetRow(templateSheet, "A2", stringsToAny(Labels())); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A2", last+"2", st.header); err != nil {
		return err
	}
	if err := f.SetRowHeight(templateSheet, 2, 32); err != nil {
		return err
	}
	var cells [numColumns]string
	ex := exampleRecord()
	newCellWriter(region.Default()).cells(&ex, &cells)
	if err := f.SetSheetRow(templateSheet, "A3", stringsToAny(cells[:])); err != nil {
		return err
	}
	if err := f.SetCellStyle(templateSheet, "A3", last+"3", st.example); err != nil {
		return err
	}
	if err := f.SetPanes(templateSheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 2, TopLeftCell: "B3", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	if err := addOptions(f); err != nil {
		return err
	}
	if err := addValidations(f); err != nil {
		return err
	}
	if err := addHelp(f, st); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return writeZip(f, w)
}

// stringsToAny returns a row for excelize's SetSheetRow, which takes a pointer to a slice.
func stringsToAny(s []string) *[]any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return &out
}

// exampleRecord is the example row of the template: a synthetic child whose identity number is
// valid (its check digit computed), so that the example teaches the right shape.
func exampleRecord() child.Record {
	id := func(first17 string) string { return first17 + string(idcard.CheckDigit(first17)) }
	return child.Record{
		Name: "张小明（示例）", Sex: "1", BirthDate: child.NewDate(2015, 3, 10), Ethnicity: "01",
		IDNumber: id("15030220150310123"), HukouRegistered: child.Bool(true),
		HukouAddress:  &child.Address{RegionCode: "150302003", Detail: "人民路1号"},
		ResidenceAddr: &child.Address{RegionCode: "150302003012", Detail: "清泉小区3栋2单元501室"},
		CoResidents:   "other_guardian", ResidenceRegistration: "residence_permit", Housing: "rented",
		LeftHukouDate: child.NewDate(2020, 8, 1), ArrivedDate: child.NewDate(2020, 8, 3),
		GuardianshipQuality: "good", GuardianshipIssue: "none",
		SchoolStage: "primary", SchoolName: "乌海市第一小学", StudyStatus: "enrolled", Boarding: child.Bool(false),
		Health: []string{"healthy"}, HealthMgmt06: "not_applicable", TCMMgmt036m: "not_applicable", MedicalInsurance: "residence_place",
		DisabilityTypes: []string{},
		Father: &child.Parent{Name: "张建国", IDNumber: id("15030219870512101"), Phone: "13800000000",
			HukouAddress: &child.Address{RegionCode: "150302003"}, MigrantWorker: child.Bool(true), WorkRegionCode: "110105",
			WorkSince: child.NewDate(2021, 3, 1), Capacity: "capable"},
		Mother: &child.Parent{Name: "李秀梅", Phone: "0473-1234567", MigrantWorker: child.Bool(true),
			WorkRegionCode: "110105", WorkSince: child.NewDate(2021, 3, 1), Capacity: "capable"},
		BothParentsAway: child.Bool(true), OneAwayOtherIncapable: child.Bool(false),
		OtherGuardian:  &child.Guardian{Name: "张福", Relation: "祖父", Phone: "13900000000"},
		FamilyHardship: []string{}, Assistance: []string{}, Vagrant: child.Bool(false),
		HelpRequested:    &child.HelpRequest{Requested: child.Bool(false)},
		CollectionMethod: "home_visit", ReportingUnit: "海勃湾区新华街道清泉社区", ReportDate: child.NewDate(2025, 6, 30),
	}
}

// optionColumns are the columns with a drop-down list, and the column of 选项 holding the list
// of each code table.
func optionTables() []*child.CodeTable {
	var out []*child.CodeTable
	seen := map[*child.CodeTable]bool{}
	for _, c := range columns {
		if c.table != nil && !seen[c.table] {
			seen[c.table] = true
			out = append(out, c.table)
		}
	}
	return out
}

// optionLabels are the labels offered for a table: the import-only sex codes 0 and 9 are left
// out of the list.
func optionLabels(t *child.CodeTable) []string {
	var out []string
	for _, c := range t.Codes() {
		if t == child.Sex && (c.Code == "0" || c.Code == "9") {
			continue
		}
		out = append(out, c.Label)
	}
	return out
}

// addOptions writes the hidden worksheet 选项: one column per code table, its item in row 1.
func addOptions(f *excelize.File) error {
	if _, err := f.NewSheet(optionSheet); err != nil {
		return err
	}
	for j, t := range optionTables() {
		col := columnName(j)
		if err := f.SetCellStr(optionSheet, col+"1", t.Item); err != nil {
			return err
		}
		for i, l := range optionLabels(t) {
			if err := f.SetCellStr(optionSheet, fmt.Sprintf("%s%d", col, i+2), l); err != nil {
				return err
			}
		}
	}
	return f.SetSheetVisible(optionSheet, false)
}

// addValidations adds the drop-down lists and input hints of the data rows.
func addValidations(f *excelize.File) error {
	tables := optionTables()
	tableCol := make(map[*child.CodeTable]int, len(tables))
	for j, t := range tables {
		tableCol[t] = j
	}
	for i, c := range columns {
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s3:%s%d", columnName(i), columnName(i), templateLastRow)
		title, hint := columnHint(c)
		switch c.kind {
		case kCode, kSet, kRelation:
			j := tableCol[c.table]
			dv.SetSqrefDropList(fmt.Sprintf("'%s'!$%s$2:$%s$%d", optionSheet, columnName(j), columnName(j), len(optionLabels(c.table))+1))
			if c.kind == kCode {
				// A warning, not a stop: the importer also accepts the codes and other spellings.
				dv.SetError(excelize.DataValidationErrorStyleWarning, c.label, c.label+"应从下拉列表中选择："+c.table.Choices())
			}
		case kBool:
			if err := dv.SetDropList([]string{c.yes, c.no}); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleWarning, c.label, c.label+"应填“"+c.yes+"”或“"+c.no+"”")
		default:
			if hint == "" {
				continue
			}
		}
		if hint != "" {
			dv.SetInput(title, hint)
		}
		if err := f.AddDataValidation(templateSheet, dv); err != nil {
			return err
		}
	}
	return nil
}

// columnHint returns the prompt shown when a cell of the column is selected (Excel limits the
// title to 32 and the text to 255 characters).
func columnHint(c column) (string, string) {
	switch c.kind {
	case kDate:
		return c.label, "日期写成 2015-03-10（也可 2015/3/10、2015.3.10、2015年3月10日、20150310）"
	case kID:
		return c.label, "18 位公民身份号码，最后一位可以是 X。本列为文本格式，请勿改成数字格式，否则后几位会丢失"
	case kCertNo:
		return c.label, "第二代残疾人证号：20 位，前 18 位为持证人公民身份号码"
	case kPhone:
		return c.label, "手机号 11 位；固定电话带区号，如 0473-1234567"
	case kRegion:
		return c.label, "行政区划代码：6 位（县级）、9 位（乡级）或 12 位（村级）；填了代码时，地址列只需写详细地址"
	case kAddress:
		return c.label, "写完整地址，如 内蒙古自治区乌海市海勃湾区新华街道人民路1号；没有区划代码时按地址自动识别区划"
	case kSet:
		return c.label, "可填多项，用顿号分隔，如 " + strings.Join(optionLabels(c.table)[:min(2, len(optionLabels(c.table)))], "、") + "；没有填“无”"
	case kWorkPlace:
		return c.label, "写地名（如 内蒙古自治区鄂尔多斯市东胜区）或行政区划代码"
	case kRehab:
		return c.label, "填“是”或“否”，可在后面写明情况，如 是：在市残联康复中心训练"
	case kRelation:
		return c.label, "爷爷、奶奶、外公、外婆，或直接写其他关系（如 姑姑）"
	}
	return "", ""
}

// addHelp writes the worksheet 填写说明: one row per column with its rule.
func addHelp(f *excelize.File, st styles) error {
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	rows := [][]string{{"列名", "是否必填", "填写要求", "也接受的列名"}}
	for _, c := range columns {
		required := ""
		switch c.field {
		case "name", "birth_date":
			required = "必填"
		case "id_number":
			required = "已登记户口的必填"
		case "disability_grade":
			required = "填了残疾类别的必填"
		case "family_hardship_other":
			required = "家庭困难情况选“其他”的必填"
		}
		rows = append(rows, []string{c.label, required, columnRule(c), strings.Join(c.aliases, "、")})
	}
	rows = append(rows, []string{}, []string{"说明", "", "表头可以在标题行、空行下面；列的顺序可以调整；不认识的列会被忽略并提示。第 3 行是示例（姓名含“示例”），导入时跳过，可以删除。"})
	for i, r := range rows {
		if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", i+1), stringsToAny(r)); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(helpSheet, "A1", "D1", st.header); err != nil {
		return err
	}
	for col, wd := range map[string]float64{"A": 30, "B": 22, "C": 80, "D": 40} {
		if err := f.SetColWidth(helpSheet, col, col, wd); err != nil {
			return err
		}
	}
	return nil
}

// columnRule describes what a column accepts.
func columnRule(c column) string {
	switch c.kind {
	case kCode:
		return "从下拉列表选择：" + strings.Join(optionLabels(c.table), "、")
	case kSet:
		s := "可多选，用顿号分隔：" + strings.Join(optionLabels(c.table), "、") + "；没有填“无”"
		if c.table == child.DisabilityType {
			s += "；两类及以上可写“多重残疾（视力、肢体）”"
		}
		return s
	case kBool:
		return "填“" + c.yes + "”或“" + c.no + "”"
	case kName:
		return "汉字或字母，少数民族姓名中间用圆点“·”，如 阿依古丽·买买提"
	case kText:
		return "文字"
	}
	_, hint := columnHint(c)
	return hint
}
