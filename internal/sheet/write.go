package sheet

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/region"
)

// Format is the file format written.
type Format uint8

const (
	// XLSX is an Excel workbook (the default).
	XLSX Format = iota
	// CSV is UTF-8 text with a byte order mark, so that Excel opens it in the right encoding.
	CSV
)

// FormatFor returns the format for a file name: CSV for a name ending in .csv, XLSX otherwise.
func FormatFor(name string) Format {
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		return CSV
	}
	return XLSX
}

// WriteOptions set how a workbook is written.
type WriteOptions struct {
	// Format is XLSX or CSV.
	Format Format
	// Title, when set, is written in a row above the header (乌海市流动儿童基本情况登记表); the
	// reader skips it.
	Title string
	// SheetName is the worksheet's name; "" means 儿童信息.
	SheetName string
	// Regions is the division table used to write addresses in full; nil means region.Default().
	Regions *region.Table
}

func (o *WriteOptions) sheetName() string {
	if o.SheetName == "" {
		return "儿童信息"
	}
	// Excel allows 31 characters and none of : \ / ? * [ ] in a worksheet's name.
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, o.SheetName)
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	return name
}

func (o *WriteOptions) regions() *region.Table {
	if o.Regions == nil {
		return region.Default()
	}
	return o.Regions
}

// RejectRow is a row that was not imported, for the rejects file: the row's cells as they were
// and the reason.
type RejectRow struct {
	Number int      // the row number in the imported file
	Cells  []string // the original cells, in file column order
	Reason string   // all of the row's errors
}

// rejectReason is the header of the column WriteRejects adds.
const rejectReason = "错误原因"

// WriteChildren writes records in the template: one header row with the labels of Labels() (and
// the title row above it when opt.Title is set), one row per record. Codes are written as their
// Chinese labels, sets joined with 、 (无 for a known empty set), dates as YYYY-MM-DD text,
// addresses as the full division name followed by the detail next to the division code, and
// every cell as text, so that identity numbers, phones and codes keep their digits. Reading the
// result gives back the same records. Rows are streamed: the records are never all in memory.
func WriteChildren(w io.Writer, records iter.Seq[child.Record], opt WriteOptions) error {
	cw := newCellWriter(opt.regions())
	labels := Labels()
	rows := func(yield func([]string) bool) {
		var cells [numColumns]string
		for r := range records {
			cw.cells(&r, &cells)
			if !yield(cells[:]) {
				return
			}
		}
	}
	if opt.Format == CSV {
		if err := writeCSV(w, opt.Title, labels, rows); err != nil {
			return fmt.Errorf("sheet: write children: %w", err)
		}
		return nil
	}
	if err := writeXLSX(w, &opt, labels, rows, columnWidths()); err != nil {
		return fmt.Errorf("sheet: write children: %w", err)
	}
	return nil
}

// WriteRejects writes the rows that were not imported with the header of the imported file and
// an added column 错误原因, so that they can be fixed and imported again (the reader ignores
// 错误原因). The format is opt.Format; opt.Title is written above the header when set.
func WriteRejects(w io.Writer, header []string, rows []RejectRow, opt WriteOptions) error {
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	head := make([]string, width+1)
	copy(head, header)
	head[width] = rejectReason
	seq := func(yield func([]string) bool) {
		line := make([]string, width+1)
		for _, r := range rows {
			clear(line)
			copy(line, r.Cells)
			line[width] = r.Reason
			if !yield(line) {
				return
			}
		}
	}
	var err error
	if opt.Format == CSV {
		err = writeCSV(w, opt.Title, head, seq)
	} else {
		widths := make([]float64, width+1)
		for i := range widths {
			widths[i] = 14
		}
		widths[width] = 60
		err = writeXLSX(w, &opt, head, seq, widths)
	}
	if err != nil {
		return fmt.Errorf("sheet: write rejects: %w", err)
	}
	return nil
}

// writeCSV writes UTF-8 with a byte order mark. Every cell — title, header and rows — that a
// spreadsheet could take for a formula is written after an apostrophe (quoteFormula; the reader
// removes it). A cell of digits that a spreadsheet would turn into a number and spoil (an
// identity number, a division code, a phone with its leading 0) is written after a tab, which
// keeps it text when the file is opened in Excel and which the reader trims.
func writeCSV(w io.Writer, title string, header []string, rows iter.Seq[[]string]) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	if title != "" {
		if err := cw.Write([]string{quoteFormula(title)}); err != nil {
			return err
		}
	}
	head := make([]string, len(header))
	for i, h := range header {
		head[i] = quoteFormula(h)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	var line []string
	for cells := range rows {
		line = append(line[:0], cells...)
		for i, c := range line {
			if spoiledAsNumber(c) {
				line[i] = "\t" + c
			} else {
				line[i] = quoteFormula(c)
			}
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// spoiledAsNumber reports a value that a spreadsheet opening a CSV file would read as a number
// and change: digits (an X may end an identity number) with 12 or more of them, or a leading 0.
func spoiledAsNumber(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && !(s[i] == 'X' && i == len(s)-1) {
			return false
		}
	}
	return len(s) >= 12 || s[0] == '0'
}

// writeXLSX streams a workbook of one worksheet: the optional title row, the header row (bold,
// frozen) and the rows, every cell a text cell in text-formatted columns.
func writeXLSX(w io.Writer, opt *WriteOptions, header []string, rows iter.Seq[[]string], widths []float64) error {
	f := excelize.NewFile()
	defer f.Close()
	name := opt.sheetName()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	n := len(header)
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetColStyle(1, n, st.text); err != nil {
		return err
	}
	row := 1
	if opt.Title != "" {
		row = 2
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: row, TopLeftCell: fmt.Sprintf("A%d", row+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if opt.Title != "" {
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: opt.Title}}, excelize.RowOpts{Height: 28}); err != nil {
			return err
		}
		if n > 1 {
			if err := sw.MergeCell("A1", columnName(min(n, 16)-1)+"1"); err != nil {
				return err
			}
		}
	}
	values := make([]any, n)
	for i, h := range header {
		values[i] = excelize.Cell{StyleID: st.header, Value: h}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", row), values, excelize.RowOpts{Height: 32}); err != nil {
		return err
	}
	for cells := range rows {
		row++
		clear(values)
		for i, c := range cells {
			if c != "" && i < n {
				values[i] = c
			}
		}
		// The row's text style spares excelize looking up the column style of every cell.
		if err := sw.SetRow(fmt.Sprintf("A%d", row), values[:min(len(cells), n)], excelize.RowOpts{StyleID: st.text}); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return writeZip(f, w)
}

// zipLevel is the deflate level of written workbooks. A worksheet of 100,000 rows is half a
// gigabyte of XML: level 3 writes it in about three quarters of the time of the default level 6
// for a file about 15% larger (docs/BENCHMARKS.md).
const zipLevel = 3

// writeZip writes the workbook straight into w. excelize's File.WriteTo assembles the whole
// zip in a bytes.Buffer first (tens of megabytes for 100,000 rows); its documented SetZipWriter
// hook lets the zip be written to w as it is made. (excelize also patches the local headers of
// entries over 4 GB in that buffer, which no worksheet of this template reaches.)
func writeZip(f *excelize.File, w io.Writer) error {
	var zw *zip.Writer
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw = zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, zipLevel)
		})
		return zw
	})
	_, err := f.WriteTo(io.Discard)
	return err
}

// styles used by the writers.
type styles struct{ title, header, text, example int }

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	border := []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, NumFmt: 49,
		Alignment: &excelize.Alignment{Vertical: "center"}}); err != nil {
		return s, err
	}
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: 49, Border: border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}); err != nil {
		return s, err
	}
	if s.text, err = f.NewStyle(&excelize.Style{NumFmt: 49}); err != nil {
		return s, err
	}
	s.example, err = f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Color: "7F7F7F", Italic: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}})
	return s, err
}

// columnWidths returns a width for each template column.
func columnWidths() []float64 {
	out := make([]float64, numColumns)
	for i, c := range columns {
		switch c.kind {
		case kAddress:
			out[i] = 36
		case kID, kCertNo, kRegion:
			out[i] = 21
		case kPhone, kDate:
			out[i] = 14
		case kSet, kRehab, kWorkPlace:
			out[i] = 20
		default:
			out[i] = max(10, float64(len([]rune(c.label)))*1.6+2)
		}
	}
	out[cUnit], out[cSchoolName], out[cHelpDetail], out[cHardshipOther] = 24, 22, 24, 20
	return out
}

// cellWriter writes records into the cells of the template.
type cellWriter struct {
	tbl    *region.Table
	places map[string]string // division code → how 务工地 is written
}

func newCellWriter(tbl *region.Table) *cellWriter {
	return &cellWriter{tbl: tbl, places: make(map[string]string)}
}

// place returns how a 务工地 is written: its full name, which reads better than a code, when the
// name resolves back to the same code; the code otherwise (an old code, or a placeholder such
// as 620201 市辖区 whose name resolves to its parent).
func (w *cellWriter) place(code string) string {
	if s, ok := w.places[code]; ok {
		return s
	}
	s := code
	if full := w.tbl.FullName(code); full != "" {
		if res, err := w.tbl.Resolve(full); err == nil && res.Code == code && res.Rest == "" {
			s = full
		}
	}
	if len(w.places) < 100000 {
		w.places[code] = s
	}
	return s
}

// cells writes a record into the cells of the template.
func (w *cellWriter) cells(r *child.Record, out *[numColumns]string) {
	tbl := w.tbl
	clear(out[:])
	code := func(i int, v string) {
		if v == "" {
			return
		}
		if l := columns[i].table.Label(v); l != "" {
			out[i] = l
		} else {
			out[i] = v
		}
	}
	boolean := func(i int, v *bool) {
		switch {
		case v == nil:
		case *v:
			out[i] = columns[i].yes
		default:
			out[i] = columns[i].no
		}
	}
	set := func(i int, v []string) { out[i] = setText(columns[i].table, v) }
	address := func(textCol, codeCol int, a *child.Address) {
		if a == nil {
			return
		}
		out[codeCol] = a.RegionCode
		full := ""
		if a.RegionCode != "" {
			full = tbl.FullName(a.RegionCode)
		}
		out[textCol] = full + a.Detail
	}
	out[cRef] = r.Ref
	out[cName] = r.Name
	code(cSex, r.Sex)
	out[cBirth] = r.BirthDate.String()
	code(cEthnicity, r.Ethnicity)
	out[cID] = r.IDNumber
	boolean(cHukouReg, r.HukouRegistered)
	address(cHukouAddr, cHukouCode, r.HukouAddress)
	address(cResAddr, cResCode, r.ResidenceAddr)
	code(cCoResidents, r.CoResidents)
	code(cResRegistration, r.ResidenceRegistration)
	code(cHousing, r.Housing)
	out[cLeftHukou] = r.LeftHukouDate.String()
	out[cArrived] = r.ArrivedDate.String()
	code(cGuardQuality, r.GuardianshipQuality)
	code(cGuardIssue, r.GuardianshipIssue)
	code(cSchoolStage, r.SchoolStage)
	out[cSchoolName] = r.SchoolName
	code(cStudyStatus, r.StudyStatus)
	boolean(cBoarding, r.Boarding)
	set(cHealth, r.Health)
	code(cHealthMgmt, r.HealthMgmt06)
	code(cTCMMgmt, r.TCMMgmt036m)
	code(cImmunization, r.Immunization)
	code(cInsurance, r.MedicalInsurance)
	set(cDisTypes, r.DisabilityTypes)
	code(cDisGrade, r.DisabilityGrade)
	boolean(cDisCert, r.DisabilityCertificate)
	out[cDisCertNo] = r.DisabilityCertificateNo
	out[cRehab] = rehabText(r.Rehabilitation)
	for _, pp := range []struct {
		base int
		p    *child.Parent
	}{{cFather, r.Father}, {cMother, r.Mother}} {
		p, b := pp.p, pp.base
		if p == nil {
			continue
		}
		out[b+pName] = p.Name
		out[b+pID] = p.IDNumber
		out[b+pPhone] = p.Phone
		address(b+pHukouAddr, b+pHukouCode, p.HukouAddress)
		address(b+pResAddr, b+pResCode, p.ResidenceAddr)
		boolean(b+pMigrant, p.MigrantWorker)
		if p.WorkRegionCode != "" {
			out[b+pWorkPlace] = w.place(p.WorkRegionCode)
		}
		out[b+pWorkSince] = p.WorkSince.String()
		code(b+pCapacity, p.Capacity)
	}
	boolean(cBothAway, r.BothParentsAway)
	boolean(cOneAway, r.OneAwayOtherIncapable)
	if g := r.OtherGuardian; g != nil {
		b := cGuardian
		out[b+gName], out[b+gRelation], out[b+gID], out[b+gPhone] = g.Name, g.Relation, g.IDNumber, g.Phone
		address(b+gHukouAddr, b+gHukouCode, g.HukouAddress)
		address(b+gResAddr, b+gResCode, g.ResidenceAddr)
	}
	if c := r.Caregiver; c != nil {
		b := cCaregiver
		boolean(cCaregiverPresent, c.Present)
		out[b+gName], out[b+gID], out[b+gPhone] = c.Name, c.IDNumber, c.Phone
		if c.Relation == "other" && c.RelationOther != "" {
			out[b+gRelation] = c.RelationOther // 姑姑 reads back as 其他 with the text
		} else {
			code(b+gRelation, c.Relation)
		}
		address(b+gHukouAddr, b+gHukouCode, c.HukouAddress)
		address(b+gResAddr, b+gResCode, c.ResidenceAddr)
	}
	set(cHardship, r.FamilyHardship)
	out[cHardshipOther] = r.FamilyHardshipOther
	set(cAssistance, r.Assistance)
	boolean(cVagrant, r.Vagrant)
	if h := r.HelpRequested; h != nil {
		boolean(cHelp, h.Requested)
		out[cHelpDetail] = h.Detail
		out[cHelpDate] = h.Date.String()
	}
	code(cMethod, r.CollectionMethod)
	out[cUnit] = r.ReportingUnit
	out[cReportDate] = r.ReportDate.String()
}

// setText writes a set: labels joined with 、, 无 for a known empty set, "" for an unknown one;
// two or more disability types as 多重残疾（视力、肢体）.
func setText(t *child.CodeTable, codes []string) string {
	if codes == nil {
		return ""
	}
	if len(codes) == 0 {
		return "无"
	}
	labels := make([]string, len(codes))
	for i, c := range codes {
		if labels[i] = t.Label(c); labels[i] == "" {
			labels[i] = c
		}
		if t == child.DisabilityType && len(codes) > 1 {
			labels[i] = strings.TrimSuffix(labels[i], "残疾")
		}
	}
	if t == child.DisabilityType && len(codes) > 1 {
		return "多重残疾（" + strings.Join(labels, "、") + "）"
	}
	return strings.Join(labels, "、")
}

// WriteTable writes a plain table — a header and rows of text — as a workbook (every cell text,
// the header frozen, opt.Title above it) or as CSV. widths are the columns' widths in characters
// (nil: 16 each). Work lists (discrepancies, home-visit leads) are written with it.
func WriteTable(w io.Writer, header []string, rows iter.Seq[[]string], widths []float64, opt WriteOptions) error {
	var err error
	if opt.Format == CSV {
		err = writeCSV(w, opt.Title, header, rows)
	} else {
		if widths == nil {
			widths = make([]float64, len(header))
			for i := range widths {
				widths[i] = 16
			}
		}
		err = writeXLSX(w, &opt, header, rows, widths)
	}
	if err != nil {
		return fmt.Errorf("sheet: write table: %w", err)
	}
	return nil
}
