package sheet

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/region"
)

// The national upload file (上报全国儿童福利信息系统): one worksheet per form of the work plan,
// 附件1 流动儿童基本情况登记表 and 附件2 留守儿童基本情况登记表, each with the items in the order
// the form prints them, labelled as the form labels them, and the values written as the form's
// check boxes print them (a form-2 record's 0-6岁儿童健康管理服务 is 已接受 or 未接受; form 1 says
// where). Each sheet has a title row, a watermark row naming the batch, who made it and when, the
// header and one row per child, numbered by 批次序号 (unique in the batch, which the national
// system's answer file may quote instead of the identity number).

// Names of the two upload sheets (at most 31 characters, as Excel requires).
const (
	Form1Sheet = "附件1流动儿童基本情况登记表"
	Form2Sheet = "附件2留守儿童基本情况登记表"
)

// UploadSeqLabel is the header of the first column of both sheets.
const UploadSeqLabel = "批次序号"

// UploadRow is one row of an upload sheet: the child's number in the batch and its record.
type UploadRow struct {
	Seq    int
	Record *child.Record
}

// UploadForms is the content of an upload file.
type UploadForms struct {
	// Watermark is the second row of each sheet (batch number, who, when, what for).
	Watermark string
	Form1     []UploadRow
	Form2     []UploadRow
	// Regions writes addresses in full; nil means region.Default().
	Regions *region.Table
}

// formColumn is one column of a form sheet: its label and how its cell is taken from the
// template's cells of the record (col) or computed (fn).
type formColumn struct {
	label string
	col   int
	fn    func(r *child.Record, cells *[numColumns]string) string
}

func tcol(label string, col int) formColumn { return formColumn{label: label, col: col} }

// guardianIssueText is 监护问题 as each form prints it.
func guardianIssueText(form int) func(r *child.Record, _ *[numColumns]string) string {
	return func(r *child.Record, _ *[numColumns]string) string {
		switch r.GuardianshipIssue {
		case "none":
			return "无"
		case "guardian_incapable":
			if form == 1 {
				return "父或母或其他监护人无监护能力"
			}
			return "父或母无监护能力"
		case "guardian_insufficient":
			if form == 1 {
				return "父或母或其他监护人监护能力不足"
			}
			return "受委托照护人照护能力不足"
		case "unattended":
			return "无人监护"
		}
		return r.GuardianshipIssue
	}
}

// receivedText is a public-health service as form 2 prints it: 已接受 or 未接受 (where it was
// received is form 1's question).
func receivedText(get func(r *child.Record) string, col int) func(r *child.Record, cells *[numColumns]string) string {
	return func(r *child.Record, cells *[numColumns]string) string {
		switch v := get(r); {
		case strings.HasPrefix(v, "received"):
			return "已接受"
		case v == "not_received":
			return "未接受"
		}
		return cells[col]
	}
}

// disabilityGradeText writes 无 for a child known to have no disability.
func disabilityGradeText(r *child.Record, cells *[numColumns]string) string {
	if cells[cDisGrade] == "" && r.DisabilityTypes != nil && len(r.DisabilityTypes) == 0 {
		return "无"
	}
	return cells[cDisGrade]
}

// parentColumns are the form's items of a parent.
func parentColumns(prefix string, base int, all bool) []formColumn {
	out := []formColumn{tcol(prefix+"姓名", base+pName), tcol(prefix+"公民身份号码", base+pID), tcol(prefix+"联系方式", base+pPhone),
		tcol(prefix+"户籍地址", base+pHukouAddr), tcol(prefix+"现居住地", base+pResAddr)}
	if all {
		out = append(out, tcol(prefix+"是否外出务工", base+pMigrant), tcol(prefix+"务工地", base+pWorkPlace),
			tcol(prefix+"外出务工起始日期", base+pWorkSince), tcol(prefix+"监护能力", base+pCapacity))
	}
	return out
}

// form1Columns is 附件1 流动儿童基本情况登记表 in the form's order.
var form1Columns = func() []formColumn {
	c := []formColumn{
		tcol("姓名", cName), tcol("性别", cSex), tcol("出生日期", cBirth), tcol("民族", cEthnicity),
		tcol("公民身份号码", cID), tcol("是否登记户口", cHukouReg),
		tcol("户籍地址", cHukouAddr), tcol("现居住地", cResAddr),
		tcol("共同居住人", cCoResidents), tcol("居住登记", cResRegistration), tcol("居住类型", cHousing),
		tcol("离开户籍地日期", cLeftHukou), tcol("来现居住地日期", cArrived),
		tcol("监护情况", cGuardQuality), {label: "监护问题", fn: guardianIssueText(1)},
		tcol("就学情况", cSchoolStage), tcol("是否学校寄宿", cBoarding), tcol("就读学校", cSchoolName), tcol("学业状况", cStudyStatus),
		tcol("健康状况", cHealth),
		tcol("0-6岁儿童健康管理服务", cHealthMgmt), tcol("0-36个月儿童中医药健康管理服务", cTCMMgmt),
		tcol("纳入医保情况", cInsurance),
		tcol("残疾类别", cDisTypes), {label: "残疾等级", fn: disabilityGradeText}, tcol("是否持有残疾人证", cDisCert),
		tcol("接受康复救助情况", cRehab),
	}
	c = append(c, parentColumns("父亲", cFather, false)...)
	c = append(c, parentColumns("母亲", cMother, false)...)
	g := cGuardian
	c = append(c, tcol("其他监护人姓名", g+gName), tcol("其他监护人与儿童关系", g+gRelation), tcol("其他监护人公民身份号码", g+gID),
		tcol("其他监护人联系方式", g+gPhone), tcol("其他监护人户籍地址", g+gHukouAddr), tcol("其他监护人现居住地", g+gResAddr),
		tcol("家庭困难情况", cHardship), tcol("家庭困难情况其他说明", cHardshipOther), tcol("生活保障情况", cAssistance),
		tcol("填报单位", cUnit), tcol("填报日期", cReportDate))
	return c
}()

// form2Columns is 附件2 留守儿童基本情况登记表 in the form's order.
var form2Columns = func() []formColumn {
	c := []formColumn{
		tcol("姓名", cName), tcol("性别", cSex), tcol("出生日期", cBirth), tcol("民族", cEthnicity),
		tcol("公民身份证号码", cID), tcol("是否登记户口", cHukouReg),
		tcol("户籍地址", cHukouAddr), tcol("现居住地", cResAddr),
		tcol("监护情况", cGuardQuality), {label: "监护问题", fn: guardianIssueText(2)},
		tcol("健康状况", cHealth),
		{label: "0-6岁儿童健康管理服务", fn: receivedText(func(r *child.Record) string { return r.HealthMgmt06 }, cHealthMgmt)},
		{label: "0-36个月儿童中医药健康管理服务", fn: receivedText(func(r *child.Record) string { return r.TCMMgmt036m }, cTCMMgmt)},
		tcol("纳入医保情况", cInsurance),
		tcol("残疾类别", cDisTypes), {label: "残疾等级", fn: disabilityGradeText}, tcol("接受康复救助情况", cRehab),
		tcol("就学情况", cSchoolStage), tcol("就读学校", cSchoolName), tcol("学业状况", cStudyStatus), tcol("是否学校寄宿", cBoarding),
	}
	c = append(c, parentColumns("父亲", cFather, true)...)
	c = append(c, parentColumns("母亲", cMother, true)...)
	k := cCaregiver
	c = append(c, tcol("父母双方同时外出", cBothAway), tcol("父母一方外出、另一方无监护能力", cOneAway),
		tcol("有无受委托照护人", cCaregiverPresent), tcol("受委托照护人姓名", k+gName), tcol("受委托照护人与儿童关系", k+gRelation),
		tcol("受委托照护人联系方式", k+gPhone), tcol("受委托照护人公民身份证号码", k+gID),
		tcol("受委托照护人户籍地", k+gHukouAddr), tcol("受委托照护人现居住地", k+gResAddr),
		tcol("家庭困难情况", cHardship), tcol("家庭困难情况其他说明", cHardshipOther), tcol("生活保障情况", cAssistance),
		tcol("填报单位", cUnit), tcol("填报日期", cReportDate))
	return c
}()

func formLabels(cols []formColumn) []string {
	out := []string{UploadSeqLabel}
	for _, c := range cols {
		out = append(out, c.label)
	}
	return out
}

// Form1Labels returns the header of the 附件1 sheet.
func Form1Labels() []string { return formLabels(form1Columns) }

// Form2Labels returns the header of the 附件2 sheet.
func Form2Labels() []string { return formLabels(form2Columns) }

// UploadCells returns the cells of a record on the sheet of form (1 or 2), after its 批次序号.
func UploadCells(form int, r *child.Record, tbl *region.Table) []string {
	if tbl == nil {
		tbl = region.Default()
	}
	var cells [numColumns]string
	newCellWriter(tbl).cells(r, &cells)
	cols := form1Columns
	if form == 2 {
		cols = form2Columns
	}
	return formCells(cols, r, &cells)
}

func formCells(cols []formColumn, r *child.Record, cells *[numColumns]string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if c.fn != nil {
			out[i] = c.fn(r, cells)
		} else {
			out[i] = cells[c.col]
		}
	}
	return out
}

// WriteUploadForms writes the upload workbook: the 附件1 sheet, then the 附件2 sheet, each
// with its title, the watermark, the header and the rows; every cell text, so that identity
// numbers keep their 18 digits.
func WriteUploadForms(w io.Writer, u *UploadForms) error {
	if err := writeUploadForms(w, u); err != nil {
		return fmt.Errorf("sheet: upload forms: %w", err)
	}
	return nil
}

func writeUploadForms(w io.Writer, u *UploadForms) error {
	tbl := u.Regions
	if tbl == nil {
		tbl = region.Default()
	}
	cw := newCellWriter(tbl)
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sheets := []struct {
		name, title string
		cols        []formColumn
		rows        []UploadRow
	}{
		{Form1Sheet, "附件1　流动儿童基本情况登记表", form1Columns, u.Form1},
		{Form2Sheet, "附件2　留守儿童基本情况登记表", form2Columns, u.Form2},
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.name)
		if err != nil {
			return err
		}
		header := formLabels(sh.cols)
		n := len(header)
		if err := sw.SetColWidth(1, 1, 10); err != nil {
			return err
		}
		if err := sw.SetColWidth(2, n, 18); err != nil {
			return err
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
			return err
		}
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: sh.title}}, excelize.RowOpts{Height: 28}); err != nil {
			return err
		}
		if err := sw.SetRow("A2", []any{excelize.Cell{Value: u.Watermark}}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", columnName(min(n, 16)-1)+"1"); err != nil {
			return err
		}
		if err := sw.MergeCell("A2", columnName(min(n, 16)-1)+"2"); err != nil {
			return err
		}
		values := make([]any, n)
		for j, h := range header {
			values[j] = excelize.Cell{StyleID: st.header, Value: h}
		}
		if err := sw.SetRow("A3", values, excelize.RowOpts{Height: 32}); err != nil {
			return err
		}
		var cells [numColumns]string
		for j, row := range sh.rows {
			cw.cells(row.Record, &cells)
			vals := make([]any, 0, n)
			vals = append(vals, strconv.Itoa(row.Seq))
			for _, c := range formCells(sh.cols, row.Record, &cells) {
				vals = append(vals, c)
			}
			if err := sw.SetRow("A"+strconv.Itoa(4+j), vals, excelize.RowOpts{StyleID: st.text}); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return writeZip(f, w)
}

// Feedback results of the national system's answer file.
const (
	FeedbackAccepted = "accepted"
	FeedbackReturned = "returned"
)

// FeedbackRow is one row of the national system's answer: the record named by its identity
// number or by batch and 批次序号, accepted or returned with a reason.
type FeedbackRow struct {
	Row      int    // row number in the file
	Batch    string // 上报批次号, "" when the file has no such column
	Seq      int    // 批次序号, 0 when absent
	IDNumber string
	Result   string // FeedbackAccepted or FeedbackReturned
	Reason   string
}

// FeedbackProblem is a row of the answer file that cannot be used, and why.
type FeedbackProblem struct {
	Row     int    `json:"row"`
	Message string `json:"message"`
}

var feedbackHeaders = map[string][]string{
	"id":     {"公民身份号码", "公民身份证号码", "身份证号", "身份证号码", "证件号码"},
	"seq":    {"批次序号", "序号", "行号"},
	"batch":  {"上报批次号", "上报批次", "批次号", "批次编号", "批次"},
	"result": {"反馈结果", "处理结果", "审核结果", "结果", "状态", "是否接收"},
	"reason": {"退回原因", "原因", "反馈意见", "审核意见", "备注", "说明"},
}

// feedbackResult reads a result cell: 接收/通过/成功 → accepted, 退回/不通过/驳回/失败 → returned.
func feedbackResult(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "接收", "已接收", "通过", "审核通过", "成功", "上报成功", "入库", "已入库", "是", "accepted", "ok":
		return FeedbackAccepted
	case "退回", "已退回", "不通过", "审核不通过", "驳回", "失败", "上报失败", "否", "returned", "rejected":
		return FeedbackReturned
	}
	return ""
}

// ReadUploadFeedback reads the national system's answer file (xlsx or csv): a header row holding
// 公民身份号码 or 批次序号 and a result column (反馈结果, 处理结果 …), with 退回原因 and 上报批次号
// when present, on the first worksheet that has one. Rows that cannot be used are problems,
// never silently dropped; a file without such a header is an error.
func ReadUploadFeedback(t *Table) ([]FeedbackRow, []FeedbackProblem, error) {
	idx, err := feedbackHeader(t)
	if err != nil {
		return nil, nil, err
	}
	get := func(cells []Cell, name string) string {
		i, ok := idx[name]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i].Value())
	}
	var rows []FeedbackRow
	var problems []FeedbackProblem
	for {
		num, cells, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		fr := FeedbackRow{Row: num, Batch: get(cells, "batch"), IDNumber: strings.ToUpper(get(cells, "id")), Reason: get(cells, "reason")}
		raw := get(cells, "result")
		if fr.IDNumber == "" && get(cells, "seq") == "" && raw == "" {
			continue
		}
		if s := get(cells, "seq"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				problems = append(problems, FeedbackProblem{Row: num, Message: "批次序号“" + s + "”不是正整数"})
				continue
			}
			fr.Seq = n
		}
		if fr.IDNumber == "" && (fr.Seq == 0 || fr.Batch == "") {
			problems = append(problems, FeedbackProblem{Row: num, Message: "没有公民身份号码，也没有上报批次号和批次序号，无法确定是哪条记录"})
			continue
		}
		if fr.Result = feedbackResult(raw); fr.Result == "" {
			problems = append(problems, FeedbackProblem{Row: num, Message: "反馈结果“" + raw + "”无法识别，应为“接收”或“退回”"})
			continue
		}
		if fr.Result == FeedbackReturned && fr.Reason == "" {
			problems = append(problems, FeedbackProblem{Row: num, Message: "退回的记录须有退回原因"})
			continue
		}
		if n := len([]rune(fr.Reason)); n > 500 {
			problems = append(problems, FeedbackProblem{Row: num, Message: "退回原因超过 500 字"})
			continue
		}
		rows = append(rows, fr)
	}
	return rows, problems, nil
}

// feedbackHeader reads up to the header row of the answer file (looking on later worksheets when
// the first has none) and returns the column of each item found.
func feedbackHeader(t *Table) (map[string]int, error) {
	for {
		for {
			_, cells, err := t.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			cand := map[string]int{}
			for i, c := range cells {
				k := headerKey(c.Value())
				for name, labels := range feedbackHeaders {
					if _, dup := cand[name]; dup {
						continue
					}
					for _, l := range labels {
						if k == headerKey(l) {
							cand[name] = i
						}
					}
				}
			}
			_, hasID := cand["id"]
			_, hasSeq := cand["seq"]
			_, hasResult := cand["result"]
			if (hasID || hasSeq) && hasResult {
				return cand, nil
			}
		}
		more, err := t.NextSheet()
		if err != nil {
			return nil, err
		}
		if !more {
			return nil, &Error{Code: "no_header", Message: "反馈文件中找不到表头：须有“公民身份号码”或“批次序号”列，以及“反馈结果”（接收/退回）列"}
		}
	}
}
