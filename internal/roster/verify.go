package roster

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/region"
)

// Verification round trip (核查往返, docs/rosters.md): civil affairs sends a department a list of
// children — only what the department needs to find them — with a token per child (核查编号);
// the department fills in its own columns and a result (核查结果) and sends the file back, which
// is imported as that department's roster. The token links each row to its child without
// matching; the identity columns keep their roster headers, so the file reads as any roster.

// Answers of 核查结果.
const (
	VerifyFound    = "found"     // 已核实: the department knows the child; its columns are filled in
	VerifyNotFound = "not_found" // 查无此人: the department has no such child
)

// resultWords read 核查结果.
var resultWords = map[string]string{
	"已核实": VerifyFound, "核实": VerifyFound, "已核查": VerifyFound, "属实": VerifyFound, "在册": VerifyFound, "有此人": VerifyFound, "是": VerifyFound,
	"查无此人": VerifyNotFound, "查无": VerifyNotFound, "无此人": VerifyNotFound, "不在册": VerifyNotFound, "未找到": VerifyNotFound, "否": VerifyNotFound,
}

// tokenAlphabet spells the list code of a token: capital letters and digits without the ones
// people confuse when they read a printed list (0/O, 1/I/L).
const tokenAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// TokenCodeLen is the length of a list's code in its tokens.
const TokenCodeLen = 6

// Token returns the token of the seq-th child (from 1) of the list with code: HC, the code, a
// hyphen and the number in at least 4 digits (HCK7M2QX-0012).
func Token(code string, seq int) string {
	return fmt.Sprintf("HC%s-%04d", code, seq)
}

// ParseToken reads a token as Token writes it (spaces, case and full-width forms forgiven) and
// returns it normalised with the list's code and the sequence number.
func ParseToken(s string) (token, code string, seq int, ok bool) {
	s = strings.ToUpper(strings.ReplaceAll(child.NormalizeText(s), " ", ""))
	s = strings.ReplaceAll(s, "－", "-")
	rest, found := strings.CutPrefix(s, "HC")
	if !found {
		return "", "", 0, false
	}
	code, num, found := strings.Cut(rest, "-")
	if !found || len(code) != TokenCodeLen || len(num) < 4 || len(num) > 6 || !isDigits(num) {
		return "", "", 0, false
	}
	for _, r := range code {
		if !strings.ContainsRune(tokenAlphabet, r) {
			return "", "", 0, false
		}
	}
	seq, _ = strconv.Atoi(num)
	if seq < 1 {
		return "", "", 0, false
	}
	return Token(code, seq), code, seq, true
}

// NewTokenCode returns a random list code of TokenCodeLen characters from random bytes (at
// least TokenCodeLen of them).
func NewTokenCode(random []byte) string {
	b := make([]byte, TokenCodeLen)
	for i := range b {
		b[i] = tokenAlphabet[int(random[i])%len(tokenAlphabet)]
	}
	return string(b)
}

// token reads 核查编号; one that is not a token is a warning and the row is matched as any other.
func (p *parser) token() string {
	s := p.text(kyToken)
	if s == "" {
		return ""
	}
	t, _, _, ok := ParseToken(s)
	if !ok {
		p.is.Warn(kyToken, "verify_token_format", p.label(kyToken)+"“"+s+"”不是核查名单的编号（应如 HCK7M2QX-0012），本行按普通名册行比对")
		return ""
	}
	return t
}

// result reads 核查结果.
func (p *parser) result() string {
	s := strings.ReplaceAll(p.text(kyResult), " ", "")
	if s == "" {
		return ""
	}
	if r, ok := resultWords[s]; ok {
		return r
	}
	p.errorf(kyResult, "code", p.label(kyResult)+"“"+s+"”不是有效的值，应填“已核实”或“查无此人”")
	return ""
}

// verifyIdentity names, per department, the identity columns a verification list carries beyond
// 姓名, 性别, 出生日期 and 公民身份号码 — only what the department looks a child up by:
// schools and health centres serve the place a child lives (现居住地); the police, medical
// insurance and the disability federation keep people by household registration (户籍地);
// maternal and child health records of a child without an ID number are filed under the
// mother (母亲姓名, filled only for such a child). Addresses are given down to the village or
// community, never the house.
var verifyIdentity = map[string][]string{
	Education:  {kyResAddr},
	Health:     {kyResAddr, kyMother},
	Police:     {kyHukouAddr},
	Insurance:  {kyHukouAddr},
	Disability: {kyHukouAddr},
}

// VerifyRow is one child of a verification list.
type VerifyRow struct {
	Token  string
	Record *child.Record
}

// VerifySheet is what the file of a verification list shows.
type VerifySheet struct {
	Department *Department
	// Title is the first row (the list's name); Watermark the second (who exported it, when,
	// 仅用于核查，不得外传); Note the list's note, shown in the instructions.
	Title, Watermark, Note string
	Rows                   []VerifyRow
	Regions                *region.Table // for the names of divisions; default region.Default()
}

// Names and layout of a verification list.
const (
	verifySheetName = "核查名单"
	verifyHeaderRow = 3
)

// verifyColumnsOf returns the columns of the department's verification list, in file order:
// 核查编号, the identity columns, the department's own, 核查结果 and 备注 (a column of its own,
// ignored on import). prefilled counts the leading columns written by civil affairs.
func verifyColumnsOf(d *Department) (cols []column, prefilled int) {
	byKey := map[string]column{}
	for _, c := range d.all() {
		byKey[c.key] = c
	}
	cols = append(cols, byKey[kyToken])
	for _, k := range append([]string{kyName, kySex, kyBirth, kyID}, verifyIdentity[d.Code]...) {
		cols = append(cols, byKey[k])
	}
	prefilled = len(cols)
	cols = append(cols, d.columns...)
	cols = append(cols, byKey[kyResult], column{key: "note", label: "备注", hint: "其他需要说明的情况"})
	return cols, prefilled
}

// WriteVerification writes a verification list as xlsx (see the comment at the top).
func WriteVerification(w io.Writer, vs *VerifySheet) error {
	if err := writeVerification(w, vs); err != nil {
		return fmt.Errorf("roster: verification list %s: %w", vs.Department.Code, err)
	}
	return nil
}

func writeVerification(w io.Writer, vs *VerifySheet) error {
	d := vs.Department
	regions := vs.Regions
	if regions == nil {
		regions = region.Default()
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", verifySheetName); err != nil {
		return err
	}
	cols, prefilled := verifyColumnsOf(d)
	last := columnLetter(len(cols) - 1)
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	given, err := f.NewStyle(&excelize.Style{NumFmt: 49, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	if err != nil {
		return err
	}
	mark, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000", Italic: true}})
	if err != nil {
		return err
	}
	sh := verifySheetName
	if err := f.SetColStyle(sh, "A:"+last, st.text); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "A", last, 16); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "E", "E", 21); err != nil { // 公民身份号码
		return err
	}
	for i, s := range []string{vs.Title, vs.Watermark} {
		cell := "A" + strconv.Itoa(i+1)
		if err := f.SetCellStr(sh, cell, s); err != nil {
			return err
		}
		style := st.title
		if i == 1 {
			style = mark
		}
		if err := f.SetCellStyle(sh, cell, cell, style); err != nil {
			return err
		}
	}
	hr := strconv.Itoa(verifyHeaderRow)
	labels := make([]any, len(cols))
	for i, c := range cols {
		labels[i] = c.label
	}
	if err := f.SetSheetRow(sh, "A"+hr, &labels); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, "A"+hr, last+hr, st.header); err != nil {
		return err
	}
	for i, row := range vs.Rows {
		n := strconv.Itoa(verifyHeaderRow + 1 + i)
		cells := make([]any, prefilled)
		for j, c := range cols[:prefilled] {
			cells[j] = verifyCell(c.key, row, regions)
		}
		if err := f.SetSheetRow(sh, "A"+n, &cells); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, "A"+n, columnLetter(prefilled-1)+n, given); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: verifyHeaderRow, TopLeftCell: "C" + strconv.Itoa(verifyHeaderRow+1), ActivePane: "bottomRight"}); err != nil {
		return err
	}
	lastRow := verifyHeaderRow + max(len(vs.Rows), 1)
	for i, c := range cols[prefilled:] {
		if err := addValidation(f, sh, c, prefilled+i, verifyHeaderRow+1, lastRow); err != nil {
			return err
		}
	}
	if err := verifyHelp(f, st, d, cols, prefilled, vs.Note); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

// verifyCell is the text of a prefilled cell: identity numbers and dates as text, sex by its
// label, addresses as the division's full name.
func verifyCell(key string, row VerifyRow, regions *region.Table) string {
	r := row.Record
	switch key {
	case kyToken:
		return row.Token
	case kyName:
		return r.Name
	case kySex:
		if r.Sex == "1" || r.Sex == "2" {
			return child.Sex.Label(r.Sex)
		}
	case kyBirth:
		if r.BirthDate != 0 {
			return r.BirthDate.String()
		}
	case kyID:
		return r.IDNumber
	case kyResAddr:
		return divisionName(regions, r.ResidenceAddr.Region())
	case kyHukouAddr:
		return divisionName(regions, r.HukouAddress.Region())
	case kyMother:
		if r.IDNumber == "" && r.Mother != nil {
			return r.Mother.Name
		}
	}
	return ""
}

func divisionName(t *region.Table, code string) string {
	if code == "" {
		return ""
	}
	if n := t.FullName(code); n != "" {
		return n
	}
	return code
}

// verifyHelp writes the sheet 填写说明 of a verification list.
func verifyHelp(f *excelize.File, st styles, d *Department, cols []column, prefilled int, note string) error {
	if _, err := f.NewSheet(helpSheet); err != nil {
		return err
	}
	lines := [][]string{
		{"核查名单填写说明"},
		{"1. 灰色各列（核查编号和身份信息）由民政部门填写，请勿修改、删除或调整顺序；核查编号用于把您的答复对应到儿童，改动后只能按姓名等比对。"},
		{"2. 请在本部门系统中逐一查找每名儿童：找到的，在“核查结果”选“已核实”，并填写" + d.Label + "的各列；没有此人的，选“查无此人”。尚未核查的行请保持空白，不计为答复。"},
		{"3. 身份证号、证件号码等列已设为文本格式，请勿改为数字格式。"},
		{"4. 填好后将文件交回民政部门导入（部门名册导入，选择" + d.Label + "）；可以分批交回，已答复的行重复导入不会重复计算。"},
		{"5. 本名单含儿童个人信息，仅用于核查，不得外传、不得用于其他用途；核查完毕请删除。"},
	}
	if note != "" {
		lines = append(lines, []string{"说明：" + note})
	}
	lines = append(lines, []string{}, []string{"列名", "填写要求", "填写方"})
	for i, c := range cols {
		who := d.Label
		if i < prefilled {
			who = "民政部门（请勿修改）"
		}
		lines = append(lines, []string{c.label, c.hint, who})
	}
	for i, r := range lines {
		cells := make([]any, len(r))
		for j, v := range r {
			cells[j] = v
		}
		if err := f.SetSheetRow(helpSheet, fmt.Sprintf("A%d", i+1), &cells); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(helpSheet, "A1", "A1", st.title); err != nil {
		return err
	}
	h := strconv.Itoa(len(lines) - len(cols))
	if err := f.SetCellStyle(helpSheet, "A"+h, "C"+h, st.header); err != nil {
		return err
	}
	for col, wd := range map[string]float64{"A": 30, "B": 80, "C": 24} {
		if err := f.SetColWidth(helpSheet, col, col, wd); err != nil {
			return err
		}
	}
	return nil
}

// VerificationTitle is the first row of a list's file: the place, the department and what
// children the list holds.
func VerificationTitle(d *Department, place, selection string) string {
	if place == "" {
		place = "全部辖区"
	}
	return place + " " + d.Label + "核查名单（" + selection + "）"
}

// VerificationWatermark is the second row: who exported the list and when, and what it may be
// used for.
func VerificationWatermark(who string, at time.Time) string {
	return "导出人：" + who + "　导出时间：" + at.Format("2006-01-02 15:04") + "　仅用于核查，不得外传"
}
