package roster

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
	"guanai/internal/sheet"
)

// headerSearchRows is how far down the header row may sit below title and blank rows.
const headerSearchRows = 30

// ReadOptions set how a roster is read: the worksheet, the date of the import, the division
// table and the context that stops the reading, as for the registration template. Next returns
// the context's error once it is done.
type ReadOptions = sheet.ReadOptions

// Row is one data row of a roster.
type Row struct {
	// Number is the 1-based row number as the spreadsheet shows it.
	Number int
	// Record is the row as read; values that were errors are left out.
	Record Record
	// Issues are the row's errors and warnings; Field is a key of Record.
	Issues child.Issues
	// Cells are the row's cells as the file shows them, padded to the header's width: for the
	// rejects file.
	Cells []string

	labels map[string]string // Record key → the file's header of its column
}

// Errors returns the row's errors with the file's column each concerns.
func (r Row) Errors() []sheet.Problem { return r.problems(r.Issues.Errors) }

// Warnings returns the row's warnings with the file's column each concerns.
func (r Row) Warnings() []sheet.Problem { return r.problems(r.Issues.Warnings) }

func (r Row) problems(list []child.Issue) []sheet.Problem {
	out := make([]sheet.Problem, 0, len(list))
	for _, is := range list {
		out = append(out, sheet.Problem{Row: r.Number, Column: r.labels[is.Field], Field: is.Field, Code: is.Code, Message: is.Message})
	}
	return out
}

// Reason joins the row's error messages, for the rejects file.
func (r Row) Reason() string {
	seen := map[string]bool{}
	var msgs []string
	for _, e := range r.Issues.Errors {
		if !seen[e.Message] {
			seen[e.Message] = true
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, "；")
}

// Reader reads the rows of one department's roster. It is not safe for concurrent use.
type Reader struct {
	dept      *Department
	tbl       *sheet.Table
	cols      []column
	opt       ReadOptions
	header    []string
	headerRow int
	pos       []int // by column of cols: the file column, -1 when absent
	kinds     []int // by file column: index in cols, -1 for an ignored column
	labels    map[string]string
	warnings  []sheet.Problem
	// pending is a row read ahead to look for a second header row, given back by Next.
	pending     []sheet.Cell
	pendingNum  int
	havePending bool
}

// Open opens the roster of dept at path (.xlsx or .csv) and finds its header row. The Reader
// must be closed.
func Open(path string, dept *Department, opt ReadOptions) (*Reader, error) {
	t, err := sheet.OpenTableContext(opt.Context, path, opt.Sheet)
	if err != nil {
		return nil, err
	}
	r, err := newReader(t, dept, opt)
	if err != nil {
		t.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads the roster of dept from r (size bytes; name for messages), as Open.
func NewReader(r io.ReaderAt, size int64, name string, dept *Department, opt ReadOptions) (*Reader, error) {
	t, err := sheet.NewTableContext(opt.Context, r, size, name, opt.Sheet)
	if err != nil {
		return nil, err
	}
	rd, err := newReader(t, dept, opt)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("roster: %s: %w", name, err)
	}
	return rd, nil
}

func newReader(t *sheet.Table, dept *Department, opt ReadOptions) (*Reader, error) {
	if opt.Regions == nil {
		opt.Regions = region.Default()
	}
	r := &Reader{dept: dept, tbl: t, cols: dept.all(), opt: opt, warnings: []sheet.Problem{}, labels: map[string]string{}}
	if err := r.findHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Close releases the file.
func (r *Reader) Close() error { return r.tbl.Close() }

// Header returns the header row's cells as the file has them.
func (r *Reader) Header() []string { return r.header }

// HeaderRow returns the 1-based number of the header row.
func (r *Reader) HeaderRow() int { return r.headerRow }

// Warnings returns the findings about the file as a whole (unknown columns, missing ones).
func (r *Reader) Warnings() []sheet.Problem { return r.warnings }

// Department returns the roster's department.
func (r *Reader) Department() *Department { return r.dept }

// findHeader reads down to the first row, within the first headerSearchRows, whose cells name
// the child's name and at least one other known column — on the first worksheet that has one
// (workbooks often open on a sheet of instructions). A header of two rows (group labels over
// their items: 父亲 over 姓名) is read as one, as the registration forms' reader reads it
// (sheet.ComposeHeader).
func (r *Reader) findHeader() error {
	idx := r.dept.headerIndex()
	known := func(h string) bool {
		_, ok := idx[sheet.HeaderKey(h)]
		return ok
	}
	var sheets []string
	for {
		err := r.findHeaderOnSheet(idx, known)
		var se *sheet.Error
		if !errors.As(err, &se) || se.Code != sheet.CodeNoHeader {
			return err
		}
		sheets = append(sheets, r.tbl.Sheet)
		more, nerr := r.tbl.NextSheet()
		if nerr != nil {
			return nerr
		}
		if !more {
			if len(sheets) > 1 {
				_, rest, _ := strings.Cut(se.Message, "没有找到表头")
				se.Message = "工作簿的 " + strconv.Itoa(len(sheets)) + " 个工作表（" + strings.Join(sheets, "、") + "）的前 " +
					strconv.Itoa(headerSearchRows) + " 行中都没有找到表头" + rest
			}
			return se
		}
	}
}

func (r *Reader) findHeaderOnSheet(idx map[string]int, known func(string) bool) error {
	var prev []sheet.Cell
	prevNum := 0
	for {
		num, cells, err := r.tbl.Next()
		if err == io.EOF || (err == nil && num > headerSearchRows) {
			return &sheet.Error{Code: sheet.CodeNoHeader, Message: "前 " + strconv.Itoa(headerSearchRows) + " 行中没有找到表头：表头行应包含“姓名”和至少一个" +
				r.dept.Label + "名册的列名（如 公民身份号码、出生日期），请使用" + r.dept.Label + "名册模板"}
		}
		if err != nil {
			return err
		}
		n, name, repeats := 0, false, false
		seen := map[int]bool{}
		for _, c := range cells {
			if i, ok := idx[sheet.HeaderKey(c.Text)]; ok {
				n++
				name = name || r.cols[i].key == kyName
				repeats = repeats || seen[i]
				seen[i] = true
			}
		}
		if n < 2 || !name {
			prev, prevNum = cells, num
			continue
		}
		if repeats && prevNum == num-1 {
			if h, ok := sheet.ComposeHeader(cellTexts(prev), cellTexts(cells), known); ok {
				return r.setHeader(num, textCells(h), idx)
			}
		}
		num2, next, err := r.tbl.Next()
		if err != nil && err != io.EOF {
			return err
		}
		if err == nil {
			if h, ok := sheet.ComposeHeader(cellTexts(cells), cellTexts(next), known); ok {
				return r.setHeader(num2, textCells(h), idx)
			}
			if !slices.Equal(cellTexts(next), cellTexts(cells)[:min(len(cells), len(next))]) {
				r.pending, r.pendingNum, r.havePending = next, num2, true
			}
		}
		return r.setHeader(num, cells, idx)
	}
}

func cellTexts(cells []sheet.Cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.Text
	}
	return out
}

func textCells(texts []string) []sheet.Cell {
	out := make([]sheet.Cell, len(texts))
	for i, t := range texts {
		out[i] = sheet.Cell{Text: t}
	}
	return out
}

func (r *Reader) setHeader(num int, cells []sheet.Cell, idx map[string]int) error {
	r.headerRow = num
	r.header = make([]string, len(cells))
	r.kinds = make([]int, len(cells))
	r.pos = make([]int, len(r.cols))
	for i := range r.pos {
		r.pos[i] = -1
	}
	own := 0
	for j, c := range cells {
		r.kinds[j] = -1
		h := child.NormalizeText(c.Text)
		r.header[j] = h
		if h == "" {
			continue
		}
		k := sheet.HeaderKey(h)
		i, ok := idx[k]
		if !ok {
			if !ignoredHeaders[k] {
				r.warnings = append(r.warnings, sheet.Problem{Row: num, Column: h, Code: "unknown_column",
					Message: "第 " + columnLetter(j) + " 列“" + h + "”不是" + r.dept.Label + "名册的列，已忽略"})
			}
			continue
		}
		if p := r.pos[i]; p >= 0 {
			return &sheet.Error{Code: sheet.CodeDuplicateColumn, Message: "表头第 " + columnLetter(p) + " 列“" + r.header[p] + "”和第 " + columnLetter(j) + " 列“" + h +
				"”是同一项（" + r.cols[i].label + "），请删除其中一列"}
		}
		r.pos[i], r.kinds[j] = j, i
		r.labels[r.cols[i].key] = h
		if r.dept.own(i) {
			own++
		}
	}
	for _, c := range r.cols {
		if _, ok := r.labels[c.key]; !ok {
			r.labels[c.key] = c.label
		}
	}
	if r.pos[r.colIndex(kyID)] < 0 && r.pos[r.colIndex(kyBirth)] < 0 {
		r.warnings = append(r.warnings, sheet.Problem{Row: num, Column: "公民身份号码", Code: "missing_column",
			Message: "表头中既没有“公民身份号码”也没有“出生日期”列：无法与登记信息比对，每一行都将报错"})
	}
	if own == 0 {
		r.warnings = append(r.warnings, sheet.Problem{Row: num, Code: "no_department_column",
			Message: "表头中没有" + r.dept.Label + "名册特有的列（如 " + strings.Join(r.dept.Columns()[len(identityColumns):], "、") + "）：只能比对身份，不能更新" + r.dept.Label + "的信息；请确认 --dept 是否选对"})
	}
	return nil
}

func (r *Reader) colIndex(key string) int {
	for i, c := range r.cols {
		if c.key == key {
			return i
		}
	}
	return -1
}

// columnLetter names a 0-based column as Excel does: A, B, …, Z, AA …
func columnLetter(j int) string {
	s := ""
	for j++; j > 0; j = (j - 1) / 26 {
		s = string(rune('A'+(j-1)%26)) + s
	}
	return s
}

// Next returns the next data row, skipping blank rows, rows whose 姓名 is marked 示例 and the
// signature and total lines under a table; io.EOF after the last one. A problem of a row's
// content is in the Row; Next returns an error only when the file cannot be read further, or the
// context's error once the context of ReadOptions is done (the table looks at it for every row,
// skipped ones included).
func (r *Reader) Next() (Row, error) {
	for {
		num, cells, err := r.pendingOrNext()
		if err != nil {
			return Row{}, err
		}
		vals := make([]sheet.Cell, len(r.cols))
		blank := true
		for i, p := range r.pos {
			if p >= 0 && p < len(cells) && cells[p].Text != "" {
				vals[i] = cells[p]
				blank = false
			}
		}
		if blank || sheet.SkipRow(child.NormalizeText(vals[r.colIndex(kyName)].Text), firstText(cells)) || r.unanswered(vals) {
			continue
		}
		return r.row(num, cells, vals), nil
	}
}

// unanswered reports whether a row of a verification list came back as it was sent: the token
// and the prefilled identity, no 核查结果 and none of the department's columns. It is no answer
// (the department has not checked that child yet) and is skipped, so that it neither links the
// child as "in the department's roster" nor counts as a reply.
func (r *Reader) unanswered(vals []sheet.Cell) bool {
	if strings.TrimSpace(vals[r.colIndex(kyToken)].Text) == "" || strings.TrimSpace(vals[r.colIndex(kyResult)].Text) != "" {
		return false
	}
	for i, v := range vals {
		if r.dept.own(i) && strings.TrimSpace(v.Text) != "" {
			return false
		}
	}
	return true
}

// pendingOrNext returns the row read ahead while looking for the header, else the next one.
func (r *Reader) pendingOrNext() (int, []sheet.Cell, error) {
	if r.havePending {
		r.havePending = false
		return r.pendingNum, r.pending, nil
	}
	return r.tbl.Next()
}

// firstText is the text of a row's first non-empty cell.
func firstText(cells []sheet.Cell) string {
	for _, c := range cells {
		if c.Text != "" {
			return c.Text
		}
	}
	return ""
}

func (r *Reader) row(num int, cells, vals []sheet.Cell) Row {
	p := parser{dept: r.dept, cols: r.cols, v: vals, date1904: r.tbl.Date1904(), opt: r.opt, labels: r.labels}
	rec := p.record()
	out := make([]string, max(len(cells), len(r.header)))
	for j, c := range cells {
		switch {
		case c.Number && j < len(r.kinds) && r.kinds[j] >= 0 && (r.cols[r.kinds[j]].kind == kDate || r.cols[r.kinds[j]].kind == kRange):
			if d, ok, _ := sheet.DateCell(c, r.tbl.Date1904()); ok {
				out[j] = d.String()
			} else {
				out[j] = c.Value()
			}
		default:
			out[j] = strings.TrimSpace(c.Value())
		}
	}
	return Row{Number: num, Record: rec, Issues: p.is, Cells: out, labels: r.labels}
}

// Parse reads one row given as header and cells (text only, as a CSV has them): for tests,
// fuzzing and callers that hold rows in memory.
func Parse(dept *Department, header, cells []string, opt ReadOptions) Row {
	if opt.Regions == nil {
		opt.Regions = region.Default()
	}
	cols := dept.all()
	idx := dept.headerIndex()
	labels := map[string]string{}
	vals := make([]sheet.Cell, len(cols))
	for j, h := range header {
		i, ok := idx[sheet.HeaderKey(h)]
		if !ok || j >= len(cells) {
			continue
		}
		if _, dup := labels[cols[i].key]; dup {
			continue
		}
		labels[cols[i].key] = h
		vals[i] = sheet.Cell{Text: strings.TrimSpace(cells[j])}
	}
	for _, c := range cols {
		if _, ok := labels[c.key]; !ok {
			labels[c.key] = c.label
		}
	}
	p := parser{dept: dept, cols: cols, v: vals, opt: opt, labels: labels}
	rec := p.record()
	return Row{Record: rec, Issues: p.is, Cells: cells, labels: labels}
}

// parser turns the cells of one row into a Record.
type parser struct {
	dept     *Department
	cols     []column
	v        []sheet.Cell
	date1904 bool
	opt      ReadOptions
	labels   map[string]string
	is       child.Issues
}

func (p *parser) cell(key string) (sheet.Cell, column) {
	for i, c := range p.cols {
		if c.key == key {
			return p.v[i], c
		}
	}
	return sheet.Cell{}, column{key: key}
}

func (p *parser) label(key string) string { return p.labels[key] }

func (p *parser) errorf(key, code, msg string) { p.is.Error(key, code, msg) }

func (p *parser) text(key string) string {
	c, _ := p.cell(key)
	return strings.TrimSpace(c.Value())
}

func (p *parser) name(key string) string {
	s := p.text(key)
	if s == "" {
		return ""
	}
	n := child.NormalizeName(s)
	if n == "" || len([]rune(n)) > 40 {
		p.errorf(key, "name", p.label(key)+"“"+s+"”不是有效的姓名（应为 1–40 个汉字或字母）")
		return ""
	}
	return n
}

func (p *parser) date(key string) child.Date {
	c, _ := p.cell(key)
	if c.Text == "" {
		return 0
	}
	d, ok, impossible := sheet.DateCell(c, p.date1904)
	switch {
	case impossible:
		p.errorf(key, "date", p.label(key)+"“"+c.Value()+"”不是真实存在的日期")
		return 0
	case !ok:
		p.errorf(key, "date", p.label(key)+"“"+c.Value()+"”不是日期，应写成 YYYY-MM-DD（如 2015-03-10）")
		return 0
	}
	return d
}

// birth reads the birth date. 出生年月 columns often hold the year and month only (2015.03,
// 2015年3月, 201503): with a valid identity number that is enough — its own date counts, the
// month is checked against it; without one it is an error (a child cannot be matched on a
// month).
func (p *parser) birth(id string) child.Date {
	c, _ := p.cell(kyBirth)
	if c.Text == "" {
		return 0
	}
	if _, ok, _ := sheet.DateCell(c, p.date1904); ok {
		return p.date(kyBirth)
	}
	y, m, ok := yearMonth(c.Value())
	if !ok {
		return p.date(kyBirth)
	}
	if id == "" {
		if !p.is.HasError(kyID) {
			p.errorf(kyBirth, "date", p.label(kyBirth)+"“"+c.Value()+"”只有年月：没有公民身份号码时请填写完整的出生日期（如 2015-03-10）")
		}
		return 0
	}
	if id[6:10] != fmt.Sprintf("%04d", y) || id[10:12] != fmt.Sprintf("%02d", m) {
		p.errorf(kyBirth, "id_birth_mismatch", p.label(kyBirth)+" "+c.Value()+" 与"+p.label(kyID)+"中的出生年月 "+id[6:10]+"-"+id[10:12]+" 不一致")
	}
	return 0 // taken from the identity number
}

// yearMonth reads a year and month: 2015.03, 2015-3, 2015/03, 2015年3月, 201503.
func yearMonth(s string) (int, int, bool) {
	s = strings.TrimSuffix(strings.ReplaceAll(s, " ", ""), "月")
	var y, m int
	switch {
	case len(s) == 6 && isDigits(s):
		y, _ = strconv.Atoi(s[:4])
		m, _ = strconv.Atoi(s[4:])
	default:
		i := strings.IndexAny(s, ".-/年")
		if i != 4 || !isDigits(s[:4]) {
			return 0, 0, false
		}
		rest := strings.TrimLeft(s[i:], ".-/年")
		if rest == "" || len(rest) > 2 || !isDigits(rest) {
			return 0, 0, false
		}
		y, _ = strconv.Atoi(s[:4])
		m, _ = strconv.Atoi(rest)
	}
	return y, m, y >= 1900 && y <= 2100 && m >= 1 && m <= 12
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// rangeEnd reads a validity period: a date, or "2024-03-10至2027-03-10" (also 到, -, ~, —)
// of which the end is taken; 长期 is no end.
func (p *parser) rangeEnd(key string) child.Date {
	c, _ := p.cell(key)
	s := c.Value()
	if s == "" || s == "长期" || s == "长期有效" {
		return 0
	}
	if !c.Number {
		for _, sep := range []string{"至", "到", "~", "～", "—", "--"} {
			if i := strings.LastIndex(s, sep); i > 0 {
				end := strings.TrimSpace(s[i+len(sep):])
				if end == "长期" || end == "长期有效" {
					return 0
				}
				c = sheet.Cell{Text: end}
				break
			}
		}
	}
	d, ok, impossible := sheet.DateCell(c, p.date1904)
	if !ok || impossible {
		p.errorf(key, "date", p.label(key)+"“"+s+"”不是日期或日期范围，应写成 2027-03-10 或 2024-03-10至2027-03-10")
		return 0
	}
	return d
}

func (p *parser) boolean(key string) *bool {
	s := p.text(key)
	if s == "" {
		return nil
	}
	b, ok := child.ParseBool(s)
	if !ok {
		p.errorf(key, "type", p.label(key)+"应填“是”或“否”，填写的是“"+s+"”")
		return nil
	}
	return &b
}

func (p *parser) code(key string) string {
	s := p.text(key)
	if s == "" {
		return ""
	}
	_, col := p.cell(key)
	code, ok := sheet.CodeCell(s, col.table)
	if !ok {
		p.errorf(key, "code", p.label(key)+"“"+s+"”不是有效的值，可选："+col.table.Choices())
		return ""
	}
	return code
}

// id reads an identity number; a number cell that lost digits is an error (Excel keeps 15).
func (p *parser) id(key string) string {
	c, _ := p.cell(key)
	if c.Text == "" {
		return ""
	}
	if c.LostDigits() || c.Scientific() {
		p.errorf(key, idcard.CodeExcelNumber, p.label(key)+"被电子表格当成数字保存（显示为 "+c.ExcelDisplay()+
			"），后几位已丢失；请将该列设置为文本格式，重新填写完整的 18 位号码")
		return ""
	}
	id, err := idcard.Parse(c.Value())
	if err != nil {
		code, msg := "format", err.Error()
		if e, ok := err.(*idcard.Error); ok {
			code, msg = e.Code, e.Message
		}
		p.errorf(key, code, p.label(key)+"“"+idcard.Mask(idcard.Normalize(c.Value()))+"”有误："+msg)
		return ""
	}
	if id.Converted {
		p.is.Warn(key, "id_converted", p.label(key)+"是 15 位旧号码，已转换为 18 位")
	}
	return id.Number
}

func (p *parser) count(key string) *int {
	s := p.text(key)
	if s == "" {
		return nil
	}
	s = strings.TrimSuffix(strings.TrimSuffix(s, "次"), ".0")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1000 {
		p.errorf(key, "count", p.label(key)+"“"+s+"”应为次数（0 或正整数）")
		return nil
	}
	return &n
}

// address reads an address text with its division code column: with a code the text is the
// detail; without one the text is resolved to the deepest division it names.
func (p *parser) address(textKey, codeKey string) *child.Address {
	text := p.text(textKey)
	cc, _ := p.cell(codeKey)
	code := ""
	if cc.Text != "" {
		if cc.LostDigits() {
			p.errorf(codeKey, "region_format", p.label(codeKey)+"被电子表格当成数字保存（显示为 "+cc.ExcelDisplay()+"），请将该列设置为文本格式后重新填写")
		} else {
			code = cc.Value()
		}
	}
	if text == "" && code == "" {
		return nil
	}
	var is child.Issues
	copt := child.Options{Import: true, Regions: p.opt.Regions}
	a := child.ResolveAddress(textKey, p.label(textKey), code, text, &is, &copt)
	for _, e := range is.Errors {
		p.errorf(e.Field, e.Code, e.Message)
	}
	for _, w := range is.Warnings {
		p.is.Warn(w.Field, w.Code, w.Message)
	}
	if a != nil && a.RegionCode != "" {
		if _, ok := p.opt.Regions.Lookup(a.RegionCode); !ok {
			p.is.Warn(codeKey, "region_unknown", p.label(codeKey)+" "+a.RegionCode+" 不在行政区划表中")
		}
	}
	return a
}

func (p *parser) record() Record {
	r := Record{Department: p.dept.Code}
	r.Name = p.name(kyName)
	if r.Name == "" && !p.is.HasError(kyName) {
		p.errorf(kyName, "required", p.label(kyName)+"为必填项")
	}
	r.IDNumber = p.id(kyID)
	r.BirthDate = p.birth(r.IDNumber)
	if s := p.text(kySex); s != "" {
		code, ok := child.Sex.Lookup(s)
		if !ok && (strings.HasPrefix(s, "男") || strings.HasPrefix(s, "女")) && len([]rune(s)) <= 2 {
			code, ok = child.Sex.Lookup(string([]rune(s)[:1])) // 男生, 女孩
		}
		switch {
		case !ok:
			p.errorf(kySex, "code", p.label(kySex)+"“"+s+"”不是有效的值，应填“男”或“女”")
		case code == "1" || code == "2":
			r.Sex = code
		}
	}
	p.checkIdentity(&r)
	r.HukouAddress = p.address(kyHukouAddr, kyHukouCode)
	r.ResidenceAddress = p.address(kyResAddr, kyResCode)
	r.FatherName = p.name(kyFather)
	r.MotherName = p.name(kyMother)
	r.GuardianName = p.name(kyGuardian)
	r.GuardianID = p.id(kyGuardianID)
	r.Migrant = p.boolean(kyMigrant)
	r.LeftBehind = p.boolean(kyLeftBehind)
	r.ParentsAway = p.boolean(kyParentsAway)

	r.VerifyToken = p.token()
	r.VerifyResult = p.result()

	switch p.dept.Code {
	case Education:
		p.education(&r)
	case Police:
		p.police(&r)
	case Health:
		p.health(&r)
	case Insurance:
		p.insurance(&r)
	case Disability:
		p.disability(&r)
	default:
		p.rolls(&r)
	}
	return r
}

// checkIdentity derives birth date and sex from a valid identity number and checks that the
// stated ones agree; without either an identity number or a birth date the child cannot be
// matched.
func (p *parser) checkIdentity(r *Record) {
	if r.IDNumber != "" {
		id, _ := idcard.Parse(r.IDNumber)
		birth := child.DateOf(id.Birth)
		switch {
		case r.BirthDate == 0:
			r.BirthDate = birth
		case r.BirthDate != birth:
			p.errorf(kyBirth, "id_birth_mismatch", p.label(kyBirth)+" "+r.BirthDate.String()+" 与"+p.label(kyID)+"中的出生日期 "+birth.String()+" 不一致")
		}
		sex := strconv.Itoa(id.Sex)
		switch {
		case r.Sex == "":
			r.Sex = sex
		case r.Sex != sex:
			p.errorf(kySex, "id_sex_mismatch", p.label(kySex)+"与"+p.label(kyID)+"第 17 位（"+child.Sex.Label(sex)+"）不一致")
		}
	}
	if r.BirthDate == 0 && r.IDNumber == "" && !p.is.HasError(kyID) && !p.is.HasError(kyBirth) {
		p.errorf(kyBirth, "required", "没有"+p.label(kyID)+"时"+p.label(kyBirth)+"为必填项（用于与登记信息比对）")
	}
	if r.BirthDate != 0 && p.opt.Today != 0 && r.BirthDate > p.opt.Today {
		p.errorf(kyBirth, "future", p.label(kyBirth)+" "+r.BirthDate.String()+" 晚于今天")
		r.BirthDate = 0
	}
}

// studyWords are the words school systems use for 就读状态 beyond DATA.md's labels.
var studyWords = map[string]string{
	"在校": "enrolled", "在籍": "enrolled", "正常": "enrolled", "在读": "enrolled", "就读": "enrolled", "正常在校": "enrolled", "借读": "enrolled", "随班就读": "enrolled",
	"辍学": "dropped_out", "失学": "dropped_out", "流失": "dropped_out", "辍学流失": "dropped_out",
	"休学": "suspended", "毕业": "graduated", "已毕业": "graduated", "结业": "completed", "肄业": "incomplete",
}

// studyContains reads longer 就读状态 texts by the word they contain (在籍在校, 休学中, 已辍学).
func studyContains(s string) string {
	for _, w := range []struct{ word, code string }{{"辍学", "dropped_out"}, {"失学", "dropped_out"}, {"休学", "suspended"},
		{"肄业", "incomplete"}, {"结业", "completed"}, {"毕业", "graduated"}, {"转出", ""}, {"转学", ""}, {"在校", "enrolled"}, {"在读", "enrolled"}, {"在籍", "enrolled"}} {
		if strings.Contains(s, w.word) {
			return w.code
		}
	}
	return ""
}

// gradeStages derives 学段 from 年级.
var gradeStages = []struct {
	words []string
	stage string
}{
	{[]string{"小班", "中班", "大班", "托班", "学前班", "幼儿园"}, "preschool"},
	{[]string{"初一", "初二", "初三", "初四", "七年级", "八年级", "九年级", "7年级", "8年级", "9年级"}, "junior"},
	{[]string{"高一", "高二", "高三"}, "senior"},
	{[]string{"一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "1年级", "2年级", "3年级", "4年级", "5年级", "6年级"}, "primary"},
}

// StageOfGrade returns the 学段 a 年级 belongs to ("三年级" → primary, "初二" → junior), "" when
// the grade does not say.
func StageOfGrade(grade string) string {
	g := strings.ReplaceAll(child.NormalizeText(grade), " ", "")
	for _, gs := range gradeStages {
		for _, w := range gs.words {
			if strings.Contains(g, w) {
				return gs.stage
			}
		}
	}
	return ""
}

func (p *parser) education(r *Record) {
	r.SchoolName = p.text(kySchool)
	r.SchoolStage = p.code(kyStage)
	r.Grade = p.text(kyGrade)
	if r.SchoolStage == "" && r.Grade != "" && !p.is.HasError(kyStage) {
		r.SchoolStage = StageOfGrade(r.Grade)
	}
	if s := p.text(kyStudy); s != "" {
		if code, ok := studyWords[strings.ReplaceAll(s, " ", "")]; ok {
			r.StudyStatus = code
		} else if code, ok := sheet.CodeCell(s, child.StudyStatus); ok {
			r.StudyStatus = code
		} else if code := studyContains(s); code != "" {
			r.StudyStatus = code
		} else if strings.Contains(s, "转出") || strings.Contains(s, "转学") {
			p.is.Warn(kyStudy, "transferred", p.label(kyStudy)+"为“"+s+"”：已转出本校，不更新学业状况")
		} else {
			p.errorf(kyStudy, "code", p.label(kyStudy)+"“"+s+"”不是有效的值，可选：在读、辍学、休学、毕业、结业、肄业")
		}
	}
	r.Boarding = p.boardingCell()
}

// boardingWords are what schools write for 是否寄宿 beyond 是/否.
var boardingWords = map[string]bool{"住校": true, "寄宿": true, "住宿": true, "寄宿生": true, "住校生": true,
	"走读": false, "走读生": false, "非寄宿": false, "不住校": false, "不寄宿": false}

func (p *parser) boardingCell() *bool {
	if b, ok := boardingWords[strings.ReplaceAll(p.text(kyBoarding), " ", "")]; ok {
		return &b
	}
	return p.boolean(kyBoarding)
}

func (p *parser) police(r *Record) {
	r.ResidenceRegistration = p.code(kyRegistration)
	if s := p.text(kyRegistration); r.ResidenceRegistration == "" && s != "" && p.is.HasError(kyRegistration) {
		switch {
		case strings.Contains(s, "居住证"):
			r.ResidenceRegistration = "residence_permit"
			p.is.Errors = dropField(p.is.Errors, kyRegistration)
		case strings.Contains(s, "暂住"):
			r.ResidenceRegistration = "temporary"
			p.is.Errors = dropField(p.is.Errors, kyRegistration)
		}
	}
	r.PermitNo = strings.ToUpper(strings.ReplaceAll(p.text(kyPermitNo), " ", ""))
	r.PermitIssued = p.date(kyPermitIssued)
	r.PermitExpires = p.rangeEnd(kyPermitExpiry)
	if r.ResidenceRegistration == "" && r.PermitNo != "" {
		r.ResidenceRegistration = "residence_permit"
	}
	if r.ResidenceRegistration == "residence_permit" && r.PermitExpires != 0 && p.opt.Today != 0 && r.PermitExpires < p.opt.Today {
		// An expired permit is no residence permit today: the record is not told 办理居住证, and the
		// row says why (the child may have renewed it elsewhere, or not at all).
		r.ResidenceRegistration = ""
		p.is.Warn(kyPermitExpiry, "permit_expired", "居住证已于 "+r.PermitExpires.String()+" 过期，不据此登记为“办理居住证”；请核实是否已续办")
	}
	if r.PermitIssued != 0 && r.PermitExpires != 0 && r.PermitExpires < r.PermitIssued {
		p.errorf(kyPermitExpiry, "before_issued", p.label(kyPermitExpiry)+" "+r.PermitExpires.String()+" 早于"+p.label(kyPermitIssued)+" "+r.PermitIssued.String())
	}
	if r.PermitIssued != 0 && p.opt.Today != 0 && r.PermitIssued > p.opt.Today {
		p.errorf(kyPermitIssued, "future", p.label(kyPermitIssued)+" "+r.PermitIssued.String()+" 晚于今天")
	}
}

func dropField(list []child.Issue, field string) []child.Issue {
	out := list[:0]
	for _, is := range list {
		if is.Field != field {
			out = append(out, is)
		}
	}
	return out
}

// serviceWords are the words health systems use for a health-management service.
var serviceWords = map[string]string{"已管理": "received", "已建档": "received", "规范管理": "received", "在管": "received", "未管理": "not_received", "未建档": "not_received"}

func (p *parser) service(key, countKey string) (string, *int) {
	code := ""
	if s := p.text(key); s != "" {
		if c, ok := serviceWords[s]; ok {
			code = c
		} else {
			code = p.code(key)
		}
	}
	n := p.count(countKey)
	if code == "" && n != nil && !p.is.HasError(key) {
		code = "not_received"
		if *n > 0 {
			code = "received"
		}
	}
	return code, n
}

func (p *parser) health(r *Record) {
	r.HealthMgmt06, r.HealthVisits = p.service(kyHealthMgmt, kyHealthVisits)
	r.TCMMgmt036m, r.TCMVisits = p.service(kyTCM, kyTCMVisits)
	r.Immunization = p.text(kyImmunization)
}

// insuredWords read 参保状态.
var insuredWords = map[string]bool{
	"已参保": true, "参保": true, "正常参保": true, "正常": true, "参保缴费": true, "已缴费": true, "正常缴费": true, "在保": true, "是": true, "有": true,
	"未参保": false, "否": false, "无": false, "停保": false, "中断": false, "暂停": false, "终止": false, "暂停参保": false, "终止参保": false, "未缴费": false, "断保": false,
}

// insuredContains reads longer 参保状态 texts: a stop word (停, 断, 未, 终止, 暂停) says not
// insured, else 参保 / 缴费 / 正常 says insured.
func insuredContains(s string) (bool, bool) {
	for _, w := range []string{"未", "停", "断", "终止", "暂停", "注销"} {
		if strings.Contains(s, w) {
			return false, true
		}
	}
	for _, w := range []string{"参保", "缴费", "正常", "在保"} {
		if strings.Contains(s, w) {
			return true, true
		}
	}
	return false, false
}

func (p *parser) insurance(r *Record) {
	if s := p.text(kyInsured); s != "" {
		if b, ok := insuredWords[strings.ReplaceAll(s, " ", "")]; ok {
			r.Insured = &b
		} else if code, ok := sheet.CodeCell(s, child.MedicalInsurance); ok {
			b := code != "none"
			r.Insured = &b
			r.MedicalInsurance = code
		} else if b, ok := insuredContains(s); ok {
			r.Insured = &b
		} else {
			p.errorf(kyInsured, "code", p.label(kyInsured)+"“"+s+"”不是有效的值，应填“已参保”或“未参保”")
		}
	}
	if c := p.code(kyInsurance); c != "" {
		r.MedicalInsurance = c
		b := c != "none"
		if r.Insured != nil && *r.Insured != b {
			p.errorf(kyInsurance, "insurance_mismatch", p.label(kyInsurance)+"与"+p.label(kyInsured)+"不一致")
		}
		r.Insured = &b
	}
	r.InsurancePlace = p.text(kyInsurePlace)
	if r.InsurancePlace != "" {
		r.InsuranceRegion = placeRegion(r.InsurancePlace, p.opt.Regions)
		if r.InsuranceRegion == "" {
			p.is.Warn(kyInsurePlace, "region_unresolved", p.label(kyInsurePlace)+"“"+r.InsurancePlace+"”无法识别为行政区划，按“已纳入医保”处理")
		}
	}
	r.Scheme = p.text(kyScheme)
	if r.Insured != nil && !*r.Insured && r.MedicalInsurance == "" {
		r.MedicalInsurance = "none"
	}
}

// placeRegion reads a place as a division code: the code itself, or a place name resolved.
func placeRegion(s string, tbl *region.Table) string {
	if c, ok := region.Normalize(s); ok {
		if _, known := tbl.Lookup(c); known {
			return c
		}
	}
	res, err := tbl.Resolve(s)
	if err != nil {
		return ""
	}
	return res.Code
}

func (p *parser) disability(r *Record) {
	c, _ := p.cell(kyCertNo)
	if c.Text != "" {
		switch {
		case c.LostDigits() || c.Scientific():
			p.errorf(kyCertNo, idcard.CodeExcelNumber, p.label(kyCertNo)+"被电子表格当成数字保存（显示为 "+c.ExcelDisplay()+"），后几位已丢失；请将该列设置为文本格式后重新填写")
		default:
			cert, err := idcard.ParseDisabilityCert(idcard.Normalize(c.Value()))
			switch {
			case err != nil:
				msg := err.Error()
				if e, ok := err.(*idcard.Error); ok {
					msg = e.Message
				}
				p.errorf(kyCertNo, "certificate", p.label(kyCertNo)+"有误："+msg)
			case r.IDNumber != "" && cert.Holder.Number != r.IDNumber:
				p.errorf(kyCertNo, "certificate_id_mismatch", p.label(kyCertNo)+"的前 18 位与"+p.label(kyID)+"不一致")
			default:
				r.CertificateNo = cert.Number
				if r.IDNumber == "" && !p.is.HasError(kyID) {
					// The certificate carries the holder's number: use it to match.
					r.IDNumber = cert.Holder.Number
					p.is.Errors = dropField(p.is.Errors, kyBirth)
					p.checkIdentity(r)
				}
				if cert.Category != idcard.CategoryMultiple {
					r.DisabilityTypes = []string{categoryType[cert.Category]}
				}
				r.DisabilityGrade = strconv.Itoa(cert.Grade)
			}
		}
	}
	if s := p.text(kyDisTypes); s != "" {
		codes, bad, exclusive, multiple := sheet.SetCell(s, child.DisabilityType)
		switch {
		case len(bad) > 0:
			p.errorf(kyDisTypes, "code", p.label(kyDisTypes)+"“"+strings.Join(bad, "、")+"”不是有效的值，可选："+child.DisabilityType.Choices())
		case exclusive:
			p.errorf(kyDisTypes, "exclusive", p.label(kyDisTypes)+"填了“无”又填了其他类别")
		case multiple:
			if r.CertificateNo == "" {
				p.errorf(kyDisTypes, "multiple_unspecified", p.label(kyDisTypes)+"为“多重残疾”时请在括号中写明各类别，如“多重残疾（视力、肢体）”")
			}
			r.DisabilityTypes = nil
		default:
			if r.CertificateNo != "" && len(r.DisabilityTypes) == 1 && (len(codes) != 1 || codes[0] != r.DisabilityTypes[0]) {
				p.errorf(kyDisTypes, "certificate_type_mismatch", p.label(kyDisTypes)+"与"+p.label(kyCertNo)+"第 19 位（残疾类别）不一致")
			}
			if r.CertificateNo != "" && len(r.DisabilityTypes) == 0 && len(codes) < 2 {
				p.errorf(kyDisTypes, "certificate_type_mismatch", p.label(kyCertNo)+"为多重残疾，"+p.label(kyDisTypes)+"应写明两类及以上")
			}
			r.DisabilityTypes = codes
		}
	}
	if g := p.code(kyDisGrade); g != "" {
		if r.DisabilityGrade != "" && g != r.DisabilityGrade {
			p.errorf(kyDisGrade, "certificate_grade_mismatch", p.label(kyDisGrade)+"与"+p.label(kyCertNo)+"第 20 位（残疾等级）不一致")
		}
		r.DisabilityGrade = g
	}
	if len(r.DisabilityTypes) > 0 && r.DisabilityGrade == "" && !p.is.HasError(kyDisGrade) {
		p.errorf(kyDisGrade, "required", "填了残疾类别时"+p.label(kyDisGrade)+"为必填项")
	}
	if s := p.text(kyRehab); s != "" {
		r.Rehabilitation = parseRehab(s)
	}
}

// categoryType maps the category digit of a certificate to 残疾类别.
var categoryType = map[int]string{
	idcard.CategoryVisual: "visual", idcard.CategoryHearing: "hearing", idcard.CategorySpeech: "speech",
	idcard.CategoryPhysical: "physical", idcard.CategoryIntellectual: "intellectual", idcard.CategoryMental: "mental",
}

// parseRehab reads 康复情况: 是/否, a text, or both (是：在市残联康复中心训练).
func parseRehab(s string) *child.Rehabilitation {
	if b, ok := child.ParseBool(s); ok {
		return &child.Rehabilitation{Received: &b}
	}
	for _, sep := range []string{"：", ":", "，", ",", "；", ";", "（", "(", " "} {
		if i := strings.Index(s, sep); i > 0 {
			if b, ok := child.ParseBool(s[:i]); ok {
				d := strings.TrimSpace(s[i+len(sep):])
				d = strings.TrimSuffix(strings.TrimSuffix(d, "）"), ")")
				return &child.Rehabilitation{Received: &b, Detail: d}
			}
		}
	}
	return &child.Rehabilitation{Detail: s}
}
