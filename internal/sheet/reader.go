package sheet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/region"
)

// headerSearchRows is how far down the header row may sit below title and blank rows.
const headerSearchRows = 30

// ReadOptions set how a workbook is read.
type ReadOptions struct {
	// Sheet is the name of the worksheet to read; "" reads the first visible one. A CSV file has
	// one sheet and ignores it.
	Sheet string
	// Today is the date of the import, for the "not in the future" checks of child.Validate;
	// zero skips them. The caller supplies it (time is injected, never read here).
	Today child.Date
	// Regions is the division table for addresses; nil means region.Default().
	Regions *region.Table
	// Context stops the reading when it ends (the client went away, a deadline passed): Next,
	// and NewReader while it looks for the header, then return the context's error. Every loop
	// over the file's content looks at it at least every 64 KB of input. nil means
	// context.Background().
	Context context.Context
}

// Row is one data row of the file read into a record.
type Row struct {
	// Number is the 1-based row number as the spreadsheet shows it.
	Number int
	// Record is the child read from the row and checked by child.Validate (Import mode): values
	// that were errors are left out.
	Record child.Record
	// Issues are the errors and warnings of the row; Field is the JSON path of DATA.md. Errors
	// and Warnings give them with the spreadsheet column.
	Issues child.Issues
	// Cells are the row's cells in file column order as the file shows them (white space around
	// them trimmed, a date stored as a number given as YYYY-MM-DD), padded to the header's width:
	// for the rejects file.
	Cells []string

	present *[numColumns]bool
}

// Problem is one finding about a row (or, with Row set to the header row, about the header), as
// the import summary of CONTRACT.md reports it: {"row": 7, "column": "公民身份号码", "code": …,
// "message": …}. Column is the template column in Chinese; Field the JSON path of DATA.md.
type Problem struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Errors returns the row's errors with the column each concerns.
func (r Row) Errors() []Problem { return r.problems(r.Issues.Errors) }

// Warnings returns the row's warnings with the column each concerns.
func (r Row) Warnings() []Problem { return r.problems(r.Issues.Warnings) }

func (r Row) problems(list []child.Issue) []Problem {
	out := make([]Problem, 0, len(list))
	for _, is := range list {
		col := ""
		if i := columnOf(is.Field, r.present); i >= 0 {
			col = columns[i].label
		} else if i := columnOf(is.Field, nil); i >= 0 {
			col = columns[i].label
		}
		out = append(out, Problem{Row: r.Number, Column: col, Field: is.Field, Code: is.Code, Message: is.Message})
	}
	return out
}

// Reject returns the row for the rejects file: its cells and its errors joined into one reason.
func (r Row) Reject() RejectRow {
	seen := make(map[string]bool, len(r.Issues.Errors))
	var msgs []string
	for _, e := range r.Issues.Errors {
		if !seen[e.Message] {
			seen[e.Message] = true
			msgs = append(msgs, e.Message)
		}
	}
	return RejectRow{Number: r.Number, Cells: r.Cells, Reason: strings.Join(msgs, "；")}
}

// source is the rows of one worksheet or text file.
type source interface {
	next() (num int, cells []cell, err error)
	close() error
}

// Reader reads the children of a workbook one row at a time. It is not safe for concurrent use.
type Reader struct {
	src       source
	book      *xlsxBook // the workbook of an .xlsx, closed with the Reader
	ctx       context.Context
	done      <-chan struct{} // ctx.Done()
	file      *os.File
	name      string
	format    string
	copt      child.Options
	date1904  bool
	header    []string
	headerRow int
	pos       [numColumns]int
	present   [numColumns]bool
	dateCol   []bool // by file column: a date column
	paths     pathCache
	warnings  []Problem
	eof       bool
	// pending is a row read ahead to look for a second header row, given back by Next.
	pending *pendingRow
}

type pendingRow struct {
	num   int
	cells []cell
}

// Open opens the workbook at path (.xlsx, an .xls that is an .xlsx inside, or .csv) and finds
// its header row. The Reader must be closed.
func Open(path string, opt ReadOptions) (*Reader, error) {
	r, f, err := openFile(path, func(f *os.File, size int64, name string) (*Reader, error) {
		return NewReader(f, size, name, opt)
	})
	if err != nil {
		return nil, err
	}
	r.file = f
	return r, nil
}

// openFile opens the file at path and hands it to open with its size and base name; the file is
// closed again when open fails, and otherwise returned for the caller to close with its reader.
func openFile[T any](path string, open func(f *os.File, size int64, name string) (T, error)) (T, *os.File, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, nil, fmt.Errorf("sheet: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return zero, nil, fmt.Errorf("sheet: %w", err)
	}
	v, err := open(f, st.Size(), filepath.Base(path))
	if err != nil {
		f.Close()
		return zero, nil, err
	}
	return v, f, nil
}

// NewReader reads a workbook of size bytes from r (an *os.File, a multipart.File of an upload,
// a *bytes.Reader); name is the file's name, for messages and to tell a damaged .xlsx from text.
// The format is decided by the content. NewReader reads up to the header row.
func NewReader(r io.ReaderAt, size int64, name string, opt ReadOptions) (*Reader, error) {
	ctx := contextOf(opt.Context)
	rd := &Reader{name: name, ctx: ctx, done: ctx.Done(), warnings: []Problem{}, copt: child.Options{Today: opt.Today, Import: true, Regions: opt.Regions}}
	if rd.copt.Regions == nil {
		rd.copt.Regions = region.Default()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ff, err := sniff(r, size, name)
	if err != nil {
		return nil, fmt.Errorf("sheet: %s: %w", name, err)
	}
	if ff == formatXLSX {
		if err := rd.openSheet(r, size, opt.Sheet); err != nil {
			return nil, rd.openError(err)
		}
		return rd, nil
	}
	c, err := openText(ctx, r, size)
	if err != nil {
		return nil, rd.openError(err)
	}
	rd.src, rd.format = c, "csv"
	if err := rd.findHeader(); err != nil {
		rd.src.close()
		return nil, rd.openError(err)
	}
	return rd, nil
}

// openError wraps an error of NewReader; the context's error, when the context ended, whatever
// the reading failed with then.
func (r *Reader) openError(err error) error {
	if e := r.ctx.Err(); e != nil {
		err = e
	}
	return fmt.Errorf("sheet: %s: %w", r.name, err)
}

// openSheet opens the worksheet named sheet, or without a name the first worksheet that has a
// header: workbooks often open on a sheet of instructions (填写说明) or a cover, with the table
// on the next one.
func (r *Reader) openSheet(ra io.ReaderAt, size int64, sheet string) error {
	b, err := openBook(r.ctx, ra, size)
	if err != nil {
		return err
	}
	if err := r.findSheet(b, sheet); err != nil {
		b.close()
		return err
	}
	r.book = b
	return nil
}

// findSheet opens in b the worksheet named sheet, or the first one with a header.
func (r *Reader) findSheet(b *xlsxBook, sheet string) error {
	cands, err := b.candidates(sheet)
	if err != nil {
		return err
	}
	var first error
	for _, ws := range cands {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		x, err := b.open(ws)
		if err != nil {
			return err
		}
		r.src, r.format, r.date1904 = x, "xlsx", x.date1904
		err = r.findHeader()
		if err == nil {
			return nil
		}
		x.close()
		var fe *Error
		if !errors.As(err, &fe) || fe.Code != CodeNoHeader {
			return err
		}
		if first == nil {
			first = err
		}
	}
	if len(cands) > 1 {
		names := make([]string, len(cands))
		for i, ws := range cands {
			names[i] = ws.name
		}
		return fileError(CodeNoHeader, "工作簿的 "+strconv.Itoa(len(cands))+" 个工作表（"+strings.Join(names, "、")+"）的前 "+
			strconv.Itoa(headerSearchRows)+" 行中都没有找到表头：表头行应包含“姓名”和至少两个模板中的列名（如 性别、出生日期、公民身份号码），请使用导入模板")
	}
	return first
}

// Format returns "xlsx" or "csv": what the file turned out to be.
func (r *Reader) Format() string { return r.format }

// Header returns the cells of the header row as the file has them (for the rejects file).
func (r *Reader) Header() []string { return r.header }

// HeaderRow returns the 1-based row number of the header.
func (r *Reader) HeaderRow() int { return r.headerRow }

// Warnings returns the findings about the file as a whole: columns that are not in the template
// (ignored, each reported once) and required columns that are missing.
func (r *Reader) Warnings() []Problem { return r.warnings }

// Close releases the file, and the temporary file of a large shared-string table.
func (r *Reader) Close() error {
	err := r.src.close()
	if r.book != nil {
		if e := r.book.close(); err == nil {
			err = e
		}
	}
	if r.file != nil {
		if e := r.file.Close(); err == nil {
			err = e
		}
	}
	return err
}

// findHeader reads down to the first row, within the first headerSearchRows, whose cells name at
// least three template columns, one of them 姓名. A header of two rows — group labels (父亲,
// 母亲, 其他监护人信息) over the items (姓名, 公民身份号码, 联系方式) — is read as one (see
// ComposeHeader): the group row may be the row found (its items in the next row) or the row
// above it (the row found then names items twice).
func (r *Reader) findHeader() error {
	var prev []cell
	prevNum := 0
	for {
		num, cells, err := r.src.next()
		if err == io.EOF || (err == nil && num > headerSearchRows) {
			return fileError(CodeNoHeader, "前 "+strconv.Itoa(headerSearchRows)+" 行中没有找到表头：表头行应包含“姓名”和至少两个模板中的列名（如 性别、出生日期、公民身份号码），请使用导入模板")
		}
		if err != nil {
			return err
		}
		known, name := 0, false
		for _, c := range cells {
			if i, ok := headerIndex[headerKey(c.text)]; ok {
				known++
				name = name || i == cName
			}
		}
		if known < 3 || !name {
			prev, prevNum = append(prev[:0], cells...), num
			continue
		}
		cells = slices.Clone(cells)
		if prevNum == num-1 && repeatsItem(cells) {
			if h, ok := ComposeHeader(texts(prev), texts(cells), knownHeader); ok {
				return r.setHeader(num, textCells(h))
			}
		}
		num2, next, err := r.src.next()
		if err != nil && err != io.EOF {
			return err
		}
		if err == nil {
			if h, ok := ComposeHeader(texts(cells), texts(next), knownHeader); ok {
				return r.setHeader(num2, textCells(h))
			}
			if !sameTexts(cells, next) {
				r.pending = &pendingRow{num: num2, cells: slices.Clone(next)}
			}
			// else: the header's cells merged down over a second row, read as the same names.
		}
		return r.setHeader(num, cells)
	}
}

// sameTexts reports a row whose every cell repeats the cell of the row above (or is empty).
func sameTexts(above, row []cell) bool {
	for j, c := range row {
		if t := cleanCell(c.text); t != "" && (j >= len(above) || cleanCell(above[j].text) != t) {
			return false
		}
	}
	return true
}

func knownHeader(h string) bool {
	_, ok := headerIndex[headerKey(h)]
	return ok
}

// repeatsItem reports a header row that names one template item twice (姓名 of the child and
// 姓名 of a parent under a group label above).
func repeatsItem(cells []cell) bool {
	seen := map[int]bool{}
	for _, c := range cells {
		if i, ok := headerIndex[headerKey(c.text)]; ok {
			if seen[i] {
				return true
			}
			seen[i] = true
		}
	}
	return false
}

func texts(cells []cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = cleanCell(c.text)
	}
	return out
}

func textCells(h []string) []cell {
	out := make([]cell, len(h))
	for i, t := range h {
		out[i] = cell{text: t}
	}
	return out
}

// groupSuffixes end group labels and are dropped before the label prefixes its items:
// 父亲信息 + 姓名 → 父亲姓名.
var groupSuffixes = []string{"基本信息", "信息", "基本情况", "情况"}

// ComposeHeader reads a two-row header as one: each column named in the lower row takes the
// group label above it (the nearest label at or left of it in the upper row, which a merged group
// cell has only in its first column) as a prefix when prefix + item is a known column (父亲 +
// 姓名 → 父亲姓名), else the item alone (儿童基本信息 + 姓名 → 姓名); a column with nothing
// below keeps its upper name (序号, or a name merged down over both rows). It answers false
// unless the lower row really is a header row: at least two of its cells must name known
// columns this way, and at least half of them — a data row under a one-row header does not.
// known tells a known column name.
func ComposeHeader(upper, lower []string, known func(string) bool) ([]string, bool) {
	n := max(len(upper), len(lower))
	out := make([]string, n)
	resolved, items := 0, 0
	group := ""
	for j := range n {
		up, low := "", ""
		if j < len(upper) {
			up = strings.TrimFunc(upper[j], isBlank)
		}
		if j < len(lower) {
			low = strings.TrimFunc(lower[j], isBlank)
		}
		if up != "" {
			group = up
		}
		switch {
		case low == "" || low == up:
			out[j] = up
			continue
		}
		items++
		g := group
		for _, suf := range groupSuffixes {
			if t, ok := strings.CutSuffix(g, suf); ok && t != "" {
				g = t
				break
			}
		}
		switch {
		case g != "" && known(g+low):
			out[j] = g + low
			resolved++
		case known(low):
			out[j] = low
			resolved++
		default:
			out[j] = low
		}
	}
	return out, resolved >= 2 && resolved*2 >= items
}

func (r *Reader) setHeader(num int, cells []cell) error {
	r.headerRow = num
	r.header = make([]string, len(cells))
	r.dateCol = make([]bool, len(cells))
	for i := range r.pos {
		r.pos[i] = -1
	}
	for j, c := range cells {
		h := strings.TrimFunc(c.text, isBlank)
		r.header[j] = h
		if h == "" {
			continue
		}
		k := headerKey(h)
		i, ok := headerIndex[k]
		if !ok {
			if !ignoredHeaders[k] {
				r.warnings = append(r.warnings, Problem{Row: num, Column: h, Code: "unknown_column",
					Message: "第 " + columnName(j) + " 列“" + h + "”不是模板中的列，已忽略"})
			}
			continue
		}
		if p := r.pos[i]; p >= 0 {
			return fileError(CodeDuplicateColumn, "表头第 "+columnName(p)+" 列“"+r.header[p]+"”和第 "+columnName(j)+" 列“"+h+
				"”是同一项（"+columns[i].label+"），请删除其中一列；父母、监护人的信息请用带前缀的列名，如“父亲姓名”")
		}
		r.pos[i], r.present[i] = j, true
		r.dateCol[j] = columns[i].kind == kDate
	}
	if !r.present[cBirth] {
		r.warnings = append(r.warnings, Problem{Row: num, Column: columns[cBirth].label, Code: "missing_column",
			Message: "表头中没有“出生日期”列：出生日期为必填项，每一行都将报错"})
	}
	return nil
}

// Next returns the next data row, skipping blank rows, the template's example row (姓名 marked
// 示例) and the signature lines under a table (填表人：…); io.EOF after the last one. An error of
// a row's content is in the Row, never returned: Next returns an error only when the file cannot
// be read further, or the context's error (unwrapped) once the context of ReadOptions is done.
func (r *Reader) Next() (Row, error) {
	if r.eof {
		return Row{}, io.EOF
	}
	for {
		select {
		case <-r.done:
			return Row{}, r.ctx.Err()
		default:
		}
		var num int
		var cells []cell
		var err error
		if p := r.pending; p != nil {
			num, cells, r.pending = p.num, p.cells, nil
		} else {
			num, cells, err = r.src.next()
		}
		if err == io.EOF {
			r.eof = true
			return Row{}, io.EOF
		}
		if err != nil {
			if e := r.ctx.Err(); e != nil {
				return Row{}, e
			}
			r.eof = true
			return Row{}, fmt.Errorf("sheet: %s: %w", r.name, err)
		}
		var vals [numColumns]cell
		blank := true
		for i, p := range r.pos {
			if p >= 0 && p < len(cells) {
				v := cells[p]
				if v.text = cleanCell(v.text); v.text != "" {
					vals[i] = v
					blank = false
				}
			}
		}
		if blank || SkipRow(vals[cName].text, firstText(cells)) {
			continue
		}
		return r.row(num, cells, &vals), nil
	}
}

// footerPrefixes start the lines under a table that are not children.
var footerPrefixes = []string{"填表人", "填报人", "审核人", "负责人", "制表人", "统计人", "联系电话", "注：", "注:", "说明：", "说明:", "备注："}

// totalWords name the total lines of a table.
var totalWords = []string{"合计", "总计", "小计"}

// SkipRow reports the rows of a table that are not a child: the template's example (姓名 marked
// 示例), a total line (合计, 总计, 小计) and the signature lines under a table (填表人：…,
// 审核人：…), recognised by the 姓名 cell or by the row's first non-empty cell — forms put 合计
// and 填表人 in the 序号 column as often as under 姓名. Both texts are cleaned cells; first is
// "" when the row has none besides the name.
func SkipRow(name, first string) bool {
	if strings.Contains(name, "示例") || slices.Contains(totalWords, name) {
		return true
	}
	first = strings.Map(func(r rune) rune {
		if isBlank(r) {
			return -1
		}
		return r
	}, first)
	for _, w := range totalWords {
		if strings.HasPrefix(first, w) {
			return true
		}
	}
	for _, p := range footerPrefixes {
		if strings.HasPrefix(name, p) || strings.HasPrefix(first, p) {
			return true
		}
	}
	return false
}

// firstText is the first non-empty cell of a row, cleaned.
func firstText(cells []cell) string {
	for _, c := range cells {
		if t := cleanCell(c.text); t != "" {
			return t
		}
	}
	return ""
}

// row reads one data row.
func (r *Reader) row(num int, cells []cell, vals *[numColumns]cell) Row {
	var is child.Issues
	if r.paths == nil {
		r.paths = make(pathCache)
	}
	p := rowParser{v: vals, is: &is, opt: &r.copt, date1904: r.date1904, paths: r.paths}
	rec := p.record()
	child.Validate(&rec, &is, r.copt)
	p.suspectIDs(&rec)

	width := max(len(cells), len(r.header))
	out := make([]string, width)
	for j := 0; j < len(cells); j++ {
		c := cells[j]
		switch {
		case !c.num:
			out[j] = strings.TrimFunc(c.text, isBlank)
		case j < len(r.dateCol) && r.dateCol[j]:
			if d, res := parseDate(c.text, r.date1904); res == dateOK {
				out[j] = d.String()
			} else {
				out[j] = numberText(c.text)
			}
		default:
			out[j] = numberText(c.text)
		}
	}
	return Row{Number: num, Record: rec, Issues: is, Cells: out, present: &r.present}
}

// rowParser turns the cells of one row into a record, adding what it cannot read to is.
type rowParser struct {
	v        *[numColumns]cell
	is       *child.Issues
	opt      *child.Options
	date1904 bool
	paths    pathCache
}

func (p *rowParser) record() child.Record {
	var r child.Record
	r.Ref = p.text(cRef)
	r.Name = p.name(cName)
	r.Sex = p.code(cSex)
	r.BirthDate = p.date(cBirth)
	r.Ethnicity = p.code(cEthnicity)
	r.IDNumber = p.id(cID)
	r.HukouRegistered = p.boolean(cHukouReg)
	r.HukouAddress = p.address(cHukouAddr, cHukouCode)
	r.ResidenceAddr = p.address(cResAddr, cResCode)
	r.CoResidents = p.code(cCoResidents)
	r.ResidenceRegistration = p.code(cResRegistration)
	r.Housing = p.code(cHousing)
	r.LeftHukouDate = p.date(cLeftHukou)
	r.ArrivedDate = p.date(cArrived)
	r.GuardianshipQuality = p.code(cGuardQuality)
	r.GuardianshipIssue = p.code(cGuardIssue)
	r.SchoolStage = p.code(cSchoolStage)
	r.SchoolName = p.text(cSchoolName)
	r.StudyStatus = p.code(cStudyStatus)
	r.Boarding = p.boolean(cBoarding)
	r.Health, _ = p.set(cHealth)
	r.HealthMgmt06 = p.code(cHealthMgmt)
	r.TCMMgmt036m = p.code(cTCMMgmt)
	r.Immunization = p.code(cImmunization)
	r.MedicalInsurance = p.code(cInsurance)
	r.DisabilityTypes, _ = p.set(cDisTypes)
	r.DisabilityGrade = p.code(cDisGrade)
	r.DisabilityCertificate = p.boolean(cDisCert)
	r.DisabilityCertificateNo = p.longNumber(cDisCertNo)
	if !p.empty(cRehab) {
		r.Rehabilitation = parseRehab(p.text(cRehab))
	}
	r.Father = p.parent(cFather)
	r.Mother = p.parent(cMother)
	r.BothParentsAway = p.boolean(cBothAway)
	r.OneAwayOtherIncapable = p.boolean(cOneAway)
	if !p.emptyRange(cGuardian, cGuardian+gLen) {
		g := cGuardian
		r.OtherGuardian = &child.Guardian{
			Name: p.name(g + gName), Relation: p.text(g + gRelation), IDNumber: p.id(g + gID), Phone: p.phone(g + gPhone),
			HukouAddress: p.address(g+gHukouAddr, g+gHukouCode), ResidenceAddr: p.address(g+gResAddr, g+gResCode),
		}
	}
	if !p.emptyRange(cCaregiverPresent, cCaregiver+gLen) {
		g := cCaregiver
		c := &child.Caregiver{
			Present: p.boolean(cCaregiverPresent), Name: p.name(g + gName), IDNumber: p.id(g + gID), Phone: p.phone(g + gPhone),
			HukouAddress: p.address(g+gHukouAddr, g+gHukouCode), ResidenceAddr: p.address(g+gResAddr, g+gResCode),
		}
		c.Relation, c.RelationOther = p.relation(g + gRelation)
		r.Caregiver = c
	}
	var note string
	r.FamilyHardship, note = p.set(cHardship)
	if r.FamilyHardshipOther = p.text(cHardshipOther); r.FamilyHardshipOther == "" {
		r.FamilyHardshipOther = note
	}
	r.Assistance, _ = p.set(cAssistance)
	r.Vagrant = p.boolean(cVagrant)
	if !p.emptyRange(cHelp, cHelpDate+1) {
		r.HelpRequested = &child.HelpRequest{Requested: p.boolean(cHelp), Detail: p.text(cHelpDetail), Date: p.date(cHelpDate)}
		if h := r.HelpRequested; h.Requested == nil && h.Detail == "" && h.Date == 0 {
			r.HelpRequested = nil
		}
	}
	r.CollectionMethod = p.code(cMethod)
	r.ReportingUnit = p.text(cUnit)
	r.ReportDate = p.date(cReportDate)
	return r
}

func (p *rowParser) parent(base int) *child.Parent {
	if p.emptyRange(base, base+pLen) {
		return nil
	}
	return &child.Parent{
		Name:           p.name(base + pName),
		IDNumber:       p.id(base + pID),
		Phone:          p.phone(base + pPhone),
		HukouAddress:   p.address(base+pHukouAddr, base+pHukouCode),
		ResidenceAddr:  p.address(base+pResAddr, base+pResCode),
		MigrantWorker:  p.boolean(base + pMigrant),
		WorkRegionCode: p.text(base + pWorkPlace),
		WorkSince:      p.date(base + pWorkSince),
		Capacity:       p.code(base + pCapacity),
	}
}

func (p *rowParser) empty(i int) bool { return p.v[i].text == "" }

func (p *rowParser) emptyRange(from, to int) bool {
	for i := from; i < to; i++ {
		if p.v[i].text != "" {
			return false
		}
	}
	return true
}

func (p *rowParser) errorf(i int, code, msg string) { p.is.Error(columns[i].field, code, msg) }

// text returns the cell as text: white space normalised, a number as people see it.
func (p *rowParser) text(i int) string {
	c := p.v[i]
	if c.num {
		return numberText(c.text)
	}
	return child.NormalizeText(c.text)
}

func (p *rowParser) name(i int) string { return child.NormalizeName(p.text(i)) }

func (p *rowParser) code(i int) string {
	s := p.text(i)
	if s == "" {
		return ""
	}
	code, ok := lookupCode(s, columns[i].table)
	if !ok {
		p.errorf(i, "code", columns[i].label+"“"+s+"”不是有效的值，可选："+columns[i].table.Choices())
		return ""
	}
	return code
}

func (p *rowParser) set(i int) ([]string, string) {
	s := p.text(i)
	if s == "" {
		return nil, ""
	}
	c := columns[i]
	res := parseSet(p.v[i].text, c.table)
	switch {
	case len(res.bad) > 0:
		p.errorf(i, "code", c.label+"“"+strings.Join(res.bad, "、")+"”不是有效的值，可选："+c.table.Choices())
	case res.exclusive:
		p.errorf(i, "exclusive", c.label+"填了“无”又填了其他选项")
	case res.multiple:
		p.errorf(i, "multiple_unspecified", c.label+"为“多重残疾”时请在括号中写明各类别，如“多重残疾（视力、肢体）”")
	default:
		return res.codes, res.note
	}
	return nil, ""
}

func (p *rowParser) boolean(i int) *bool {
	s := p.text(i)
	if s == "" {
		return nil
	}
	b, ok := child.ParseBool(s)
	if !ok {
		c := columns[i]
		p.errorf(i, "type", c.label+"应填“"+c.yes+"”或“"+c.no+"”，填写的是“"+s+"”")
		return nil
	}
	return &b
}

func (p *rowParser) date(i int) child.Date {
	c := p.v[i]
	if c.text == "" {
		return 0
	}
	d, res := parseDate(c.text, p.date1904)
	switch res {
	case dateNotDate:
		p.errorf(i, "date", columns[i].label+"“"+p.text(i)+"”不是日期，应写成 YYYY-MM-DD（如 2015-03-10）")
	case dateImpossible:
		p.errorf(i, "date", columns[i].label+"“"+p.text(i)+"”不是真实存在的日期")
	}
	return d
}

// id returns an identity number as typed, for child.Validate to check. A number cell that has
// lost digits is an error here: Excel keeps 15 significant digits, so an 18-digit number stored
// as a number is never the number typed, even when its check digit happens to fit.
func (p *rowParser) id(i int) string {
	c := p.v[i]
	shown := ""
	switch {
	case c.num && lostDigits(c.text):
		shown = excelDisplay(c.text)
	case !c.num && isScientific(child.NormalizeText(c.text)):
		shown = child.NormalizeText(c.text) // a CSV of what Excel displayed
	default:
		return p.text(i)
	}
	p.errorf(i, idcard.CodeExcelNumber, columns[i].label+"被电子表格当成数字保存（显示为 "+shown+
		"），后几位已丢失；请将该列设置为文本格式，重新填写完整的 18 位号码")
	return ""
}

// isScientific reports a number written with an exponent: 1.50304E+17.
func isScientific(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i <= 0 || i == len(s)-1 {
		return false
	}
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	return true
}

// longNumber reads a 残疾人证号 (20 characters): like an identity number, never from a number cell
// that has lost digits.
func (p *rowParser) longNumber(i int) string {
	c := p.v[i]
	if c.num && lostDigits(c.text) {
		p.errorf(i, idcard.CodeExcelNumber, columns[i].label+"被电子表格当成数字保存（显示为 "+excelDisplay(c.text)+
			"），后几位已丢失；请将该列设置为文本格式后重新填写")
		return ""
	}
	return p.text(i)
}

// phone reads a telephone number; a landline stored as a number has lost its leading 0.
func (p *rowParser) phone(i int) string {
	c := p.v[i]
	if !c.num {
		return p.text(i)
	}
	v := numberText(c.text)
	if _, ok := child.NormalizePhone(v); !ok {
		if fixed, ok := child.NormalizePhone("0" + v); ok && strings.IndexByte(v, '.') < 0 {
			p.errorf(i, "phone_leading_zero", columns[i].label+"“"+v+"”被电子表格当成数字保存，区号开头的 0 已丢失（应为 "+fixed+
				"）；请将该列设置为文本格式后重新填写")
			return ""
		}
	}
	return v
}

// region reads a division code cell.
func (p *rowParser) region(i int) string {
	c := p.v[i]
	if c.num && lostDigits(c.text) {
		p.errorf(i, "region_format", columns[i].label+"被电子表格当成数字保存（显示为 "+excelDisplay(c.text)+"），请将该列设置为文本格式后重新填写")
		return ""
	}
	return p.text(i)
}

// address reads an address from its text column and its division code column. With a code, the
// text is the detail, less the names of the divisions the code already says (an export writes
// 内蒙古自治区乌海市海勃湾区新华街道… next to the code); without one, the text is resolved to the
// deepest division it names.
func (p *rowParser) address(textCol, codeCol int) *child.Address {
	text := p.text(textCol)
	code := p.region(codeCol)
	field, item := columns[textCol].field, columns[textCol].label
	if code != "" && text != "" {
		if n, ok := region.Normalize(code); ok {
			rest, whole := stripDivisions(text, p.paths.get(n, p.opt.Regions))
			if !whole {
				// The text does not start with the division the code names: see whether it names
				// another one.
				p.checkAddressCode(field, item, text, n)
			}
			text = rest
		}
	}
	return child.ResolveAddress(field, item, code, text, p.is, p.opt)
}

// pathCache keeps the division paths of the codes met in a file (a file's addresses repeat a
// few hundred codes).
type pathCache map[string][]region.Division

func (c pathCache) get(code string, tbl *region.Table) []region.Division {
	if p, ok := c[code]; ok {
		return p
	}
	p := tbl.Path(code)
	if len(c) < 1<<14 {
		c[code] = p
	}
	return p
}

// checkAddressCode warns when the address text names a division off the path of its division
// code: an address edited in the text column and not in the code column.
func (p *rowParser) checkAddressCode(field, item, text, code string) {
	tbl := p.opt.Regions
	res, err := tbl.Resolve(text)
	if err != nil || res.Code == "" || strings.HasPrefix(res.Code, code) || strings.HasPrefix(code, res.Code) {
		return
	}
	if _, known := tbl.Lookup(code); !known {
		return // an old code: Validate says so
	}
	p.is.Warn(field, "address_code_mismatch", item+"“"+text+"”在"+tbl.FullName(res.Code)+"，与区划代码 "+code+"（"+
		tbl.FullName(code)+"）不一致，已按区划代码登记，请核对")
}

// stripDivisions removes from the start of text the names of the divisions on path (from the
// province down), in order, each at most once, any of them missing. whole reports that the last
// of them, the division of the code itself, was among the names removed.
func stripDivisions(text string, path []region.Division) (rest string, whole bool) {
	rest, cut := text, false
	for i, d := range path {
		for _, n := range []string{d.Name, d.PlaceName()} {
			if n != "" && strings.HasPrefix(rest, n) {
				rest, cut = strings.TrimLeft(rest[len(n):], " "), true
				whole = i == len(path)-1
				break
			}
		}
	}
	if !cut {
		return text, false
	}
	return strings.TrimLeftFunc(rest, func(r rune) bool { return strings.ContainsRune(" ,，、;；:：-", r) }), whole
}

// relation reads 受委托照护人与儿童关系: a value of the table, or any other relation (姑姑), which is
// 其他 with the text.
func (p *rowParser) relation(i int) (string, string) {
	s := p.text(i)
	if s == "" {
		return "", ""
	}
	if code, ok := columns[i].table.Lookup(s); ok {
		return code, ""
	}
	if head, note, ok := splitNote(s); ok {
		if code, ok := columns[i].table.Lookup(head); ok {
			if code == "other" {
				return code, note
			}
			return code, ""
		}
	}
	return "other", s
}

// suspectIDs warns about identity numbers that passed every check but end in 000: what a number
// that went through a spreadsheet as a number looks like once copied back as text (about one in
// eleven such numbers has a check digit that happens to fit).
func (p *rowParser) suspectIDs(r *child.Record) {
	check := func(field, item, id string) {
		if len(id) == 18 && strings.HasSuffix(id, "000") {
			p.is.Warn(field, "excel_number_suspect", item+"末三位为 000：如果该号码曾被电子表格当成数字保存，后几位可能已丢失，请与户口簿或身份证核对")
		}
	}
	check("id_number", "公民身份号码", r.IDNumber)
	if r.Father != nil {
		check("father.id_number", "父亲公民身份号码", r.Father.IDNumber)
	}
	if r.Mother != nil {
		check("mother.id_number", "母亲公民身份号码", r.Mother.IDNumber)
	}
	if r.OtherGuardian != nil {
		check("other_guardian.id_number", "其他监护人公民身份号码", r.OtherGuardian.IDNumber)
	}
	if r.Caregiver != nil {
		check("caregiver.id_number", "受委托照护人公民身份号码", r.Caregiver.IDNumber)
	}
}
