package sheet

// Reading .xlsx: this file opens the zip container itself and scans the worksheet XML row by
// row with a small tokenizer, instead of excelize's Rows iterator, for two reasons measured on
// this package's 100,000-row benchmark (docs/BENCHMARKS.md):
//
//   - Rows returns cell values only, not cell types, so a text cell "150304200001011000" cannot
//     be told from the number 150304200001011000 that Excel made of an identity number — and
//     the second must always be an error (DATA.md). Here every cell says whether it was a number.
//   - Rows decodes each cell with encoding/xml after excelize has read the whole zip into
//     memory: 26 s of CPU and about 100 MB for 100,000 rows of 82 columns, against 2.7 s and a
//     few megabytes for scanning the decompressed stream directly, one row at a time.
//
// excelize remains the writer (WriteChildren, WriteRejects, Template) and the reference the
// tests compare this reader with (TestXLSXMatchesExcelize).

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// xlsxSource reads the rows of one worksheet.
type xlsxSource struct {
	rc       io.ReadCloser
	sc       *xmlScanner
	sst      *sharedStrings
	sstErr   error     // a shared string that could not be read back, found by value
	owner    *xlsxBook // closed with the source (openXLSX); nil when the book outlives it
	date1904 bool
	sheet    string // the worksheet's name
	lastRow  int
	inData   bool
	done     bool
	cells    []cell
	vbuf     []byte
	tbuf     []byte
	merges   []mergeRange // ranges over more than one row, by first row
	mi       int          // merges[:mi] have begun
	active   []*mergeRange
	held     int // bytes of the top-row values of active (maxMergeHeldBytes)
}

// zipIndex finds parts by name regardless of case and slash direction, as Excel does.
type zipIndex map[string]*zip.File

func partKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(name, `\`, "/"), "/"))
}

func (z zipIndex) open(name string, limit int64) ([]byte, error) {
	f := z[partKey(name)]
	if f == nil {
		return nil, errNoPart
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fileError(CodeTooLarge, "工作簿中的 "+name+" 过大，无法读取")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, limit))
}

// errNoPart is returned by zipIndex.open for a part the package does not have.
var errNoPart = errors.New("part not found")

// workbookSheet is a <sheet> of workbook.xml.
type workbookSheet struct {
	name, state, rid string
}

// xlsxBook is an opened workbook: its parts, its worksheets and its shared strings, from which
// any of its worksheets can be read.
type xlsxBook struct {
	ctx      context.Context
	idx      zipIndex
	sheets   []workbookSheet
	targets  map[string]string // relationship id → part
	sst      *sharedStrings
	date1904 bool
}

// close releases the shared string table (its temporary file). It may be called more than once.
func (b *xlsxBook) close() error { return b.sst.close() }

// openXLSX opens the worksheet named sheet (the first visible worksheet when sheet is ""); the
// book is closed with the source.
func openXLSX(ctx context.Context, ra io.ReaderAt, size int64, sheet string) (*xlsxSource, error) {
	b, err := openBook(ctx, ra, size)
	if err != nil {
		return nil, err
	}
	cands, err := b.candidates(sheet)
	if err != nil {
		b.close()
		return nil, err
	}
	x, err := b.open(cands[0])
	if err != nil {
		b.close()
		return nil, err
	}
	x.owner = b
	return x, nil
}

// openBook opens the workbook's container, workbook part and shared strings. The book must be
// closed (its shared strings may be in a temporary file).
func openBook(ctx context.Context, ra io.ReaderAt, size int64) (*xlsxBook, error) {
	if n, ok := zipEntries(ra, size); ok && n > maxZipEntries {
		return nil, fileError(CodeTooLarge, "工作簿包含 "+strconv.FormatUint(n, 10)+" 个部件，超过 "+strconv.Itoa(maxZipEntries)+
			" 个，无法读取：请删除多余的图片和工作表，或将数据复制到新的工作簿另存为 .xlsx")
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fileError(CodeBadXLSX, "文件不是有效的 .xlsx 工作簿（zip 结构损坏），请在 Excel 中重新另存为 .xlsx")
	}
	idx := make(zipIndex, len(zr.File))
	for _, f := range zr.File {
		idx[partKey(f.Name)] = f
	}
	if idx["xl/workbook.bin"] != nil {
		return nil, fileError(CodeXLSB, "不支持 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx")
	}
	if idx["content.xml"] != nil || idx["mimetype"] != nil {
		return nil, fileError(CodeODS, "不支持 OpenDocument 表格（.ods），请另存为 .xlsx")
	}
	wbPath := "xl/workbook.xml"
	if rels, err := idx.open("_rels/.rels", maxPartBytes); err == nil {
		for _, r := range parseRels(rels) {
			if strings.HasSuffix(r.typ, "/officeDocument") {
				wbPath = resolveTarget("", r.target)
			}
		}
	}
	wb, err := idx.open(wbPath, maxPartBytes)
	if err != nil {
		var fe *Error
		if errors.As(err, &fe) {
			return nil, fe
		}
		return nil, fileError(CodeBadXLSX, "文件不是 Excel 工作簿（缺少 workbook.xml），请上传 .xlsx 或 .csv 文件")
	}
	b := &xlsxBook{ctx: ctx, idx: idx, targets: map[string]string{}, sst: &sharedStrings{}}
	b.sheets, b.date1904 = parseWorkbook(wb)
	dir := path.Dir(wbPath)
	relsPath := path.Join(dir, "_rels", path.Base(wbPath)+".rels")
	sstPath := path.Join(dir, "sharedStrings.xml")
	if rels, err := idx.open(relsPath, maxPartBytes); err == nil {
		for _, r := range parseRels(rels) {
			t := resolveTarget(dir, r.target)
			b.targets[r.id] = t
			if strings.HasSuffix(r.typ, "/sharedStrings") {
				sstPath = t
			}
		}
	}
	if len(b.sheets) == 0 && idx["xl/worksheets/sheet1.xml"] != nil {
		b.sheets = []workbookSheet{{name: "Sheet1", rid: "\x00sheet1"}}
		b.targets["\x00sheet1"] = "xl/worksheets/sheet1.xml"
	}
	if f := idx[partKey(sstPath)]; f != nil {
		if f.UncompressedSize64 > maxSharedBytes {
			return nil, fileError(CodeTooLarge, "工作簿的共享字符串表超过 256 MB，请拆分后再导入")
		}
		sst, err := loadSharedStrings(ctx, f)
		switch {
		case isCancel(err), errors.Is(err, errSpill):
			return nil, err
		case err != nil:
			return nil, fileError(CodeBadXLSX, "工作簿的共享字符串表损坏，无法读取（"+err.Error()+"），请在 Excel 中重新另存为 .xlsx")
		}
		b.sst = sst
	}
	return b, nil
}

// zipEntries returns the number of entries that a zip's end-of-central-directory record (or its
// zip64 record) declares, read before archive/zip allocates a File for each; false when there is
// no such record (archive/zip then says what is wrong).
func zipEntries(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen, locatorLen = 22, 20
	tail := min(size, eocdLen+65535+locatorLen)
	buf := make([]byte, tail)
	if n, _ := ra.ReadAt(buf, size-tail); int64(n) < tail {
		return 0, false
	}
	le := binary.LittleEndian
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if le.Uint32(buf[i:]) != 0x06054b50 || i+eocdLen+int(le.Uint16(buf[i+20:])) > len(buf) {
			continue
		}
		n := uint64(le.Uint16(buf[i+10:]))
		if n != 0xFFFF || i < locatorLen || le.Uint32(buf[i-locatorLen:]) != 0x07064b50 {
			return n, true
		}
		// zip64: the locator gives the offset of the zip64 record, which has the count.
		var rec [40]byte
		off := int64(le.Uint64(buf[i-locatorLen+8:]))
		if off < 0 || off > size-int64(len(rec)) {
			return n, true
		}
		if _, err := ra.ReadAt(rec[:], off); err != nil || le.Uint32(rec[:]) != 0x06064b50 {
			return n, true
		}
		return le.Uint64(rec[32:]), true
	}
	return 0, false
}

// candidates lists the worksheets a reader may take, in the order to try them: the one named
// sheet; without a name, every visible worksheet in workbook order (a hidden sheet of option
// lists, or a chart sheet, is not the data), then the hidden ones.
func (b *xlsxBook) candidates(sheet string) ([]workbookSheet, error) {
	readable := func(ws *workbookSheet) bool {
		t := b.targets[ws.rid]
		return b.idx[partKey(t)] != nil && !strings.Contains(t, "chartsheets/")
	}
	if sheet != "" {
		names := make([]string, 0, len(b.sheets))
		for i := range b.sheets {
			names = append(names, b.sheets[i].name)
			if strings.EqualFold(strings.TrimSpace(b.sheets[i].name), strings.TrimSpace(sheet)) {
				if !readable(&b.sheets[i]) {
					break
				}
				return []workbookSheet{b.sheets[i]}, nil
			}
		}
		return nil, fileError(CodeSheetNotFound, "工作簿中没有名为“"+sheet+"”的工作表，现有："+strings.Join(names, "、"))
	}
	var out []workbookSheet
	for pass := range 2 {
		for i := range b.sheets {
			ws := &b.sheets[i]
			visible := ws.state == "" || ws.state == "visible"
			if visible == (pass == 0) && readable(ws) {
				out = append(out, *ws)
			}
		}
	}
	if len(out) == 0 {
		return nil, fileError(CodeBadXLSX, "工作簿中没有可读取的工作表")
	}
	return out, nil
}

// open starts reading a worksheet. Its merged ranges are read first (see scanMerges).
func (b *xlsxBook) open(ws workbookSheet) (*xlsxSource, error) {
	f := b.idx[partKey(b.targets[ws.rid])]
	if err := checkInflate(f, ws.name); err != nil {
		return nil, err
	}
	merges, err := scanMerges(b.ctx, f)
	switch {
	case isCancel(err):
		return nil, err
	case errors.Is(err, errTooManyMerges):
		return nil, fileError(CodeTooLarge, "工作表“"+ws.name+"”的跨行合并单元格超过 "+strconv.Itoa(maxMerges)+
			" 处，无法读取：请取消不必要的合并单元格后再导入")
	case err != nil:
		return nil, fileError(CodeBadXLSX, "无法读取工作表“"+ws.name+"”："+err.Error())
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fileError(CodeBadXLSX, "无法读取工作表“"+ws.name+"”："+err.Error())
	}
	return &xlsxSource{rc: rc, sc: newXMLScanner(cancelReader{rc, b.ctx}), sst: b.sst, date1904: b.date1904, sheet: ws.name, merges: merges}, nil
}

// checkInflate refuses a worksheet part that would inflate beyond maxSheetBytes, or beyond
// maxInflateRatio times its compressed size: a decompression bomb, most often of blank rows.
// archive/zip holds a part to the size its directory declares, so the declared size is a bound.
func checkInflate(f *zip.File, sheet string) error {
	mb := strconv.FormatUint(f.UncompressedSize64>>20, 10)
	switch {
	case f.UncompressedSize64 > maxSheetBytes:
		return fileError(CodeTooLarge, "工作表“"+sheet+"”解压后有 "+mb+" MB，超过 "+strconv.Itoa(maxSheetBytes>>30)+
			" GB，无法读取：请拆分成几个文件导入")
	case f.UncompressedSize64 > inflateRatioFloor && f.UncompressedSize64/maxInflateRatio > f.CompressedSize64:
		return fileError(CodeTooLarge, "工作表“"+sheet+"”解压后有 "+mb+" MB，是压缩大小的 "+
			strconv.FormatUint(f.UncompressedSize64/max(f.CompressedSize64, 1), 10)+" 倍，不像正常的表格（通常是大量空行或空单元格）："+
			"请删除数据下方多余的行（选中后“删除”而不是“清除内容”），另存后再导入")
	}
	return nil
}

// resolveTarget resolves a relationship target against the directory of its source part.
func resolveTarget(dir, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(target, "/")
	}
	return path.Clean(path.Join(dir, target))
}

type relationship struct{ id, typ, target string }

// parseRels reads a relationships part; what it cannot read it leaves out.
func parseRels(data []byte) []relationship {
	var out []relationship
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var r relationship
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.target = a.Value
				}
			}
			out = append(out, r)
		}
	}
}

// parseWorkbook reads the sheets of workbook.xml in order and the 1904 date system flag.
func parseWorkbook(data []byte) (sheets []workbookSheet, date1904 bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return sheets, date1904
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "sheet":
			var s workbookSheet
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					s.name = a.Value
				case a.Name.Local == "state":
					s.state = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					s.rid = a.Value
				}
			}
			sheets = append(sheets, s)
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		}
	}
}

func appendCapped(buf, b []byte) []byte {
	if room := maxTextBytes - len(buf); room < len(b) {
		if room <= 0 {
			return buf
		}
		b = b[:room]
	}
	return append(buf, b...)
}

// next returns the next row: its 1-based number and its cells by 0-based column (the slice is
// reused by the next call). It returns io.EOF after the last row.
func (x *xlsxSource) next() (int, []cell, error) {
	if x.done {
		return 0, nil, io.EOF
	}
	for !x.inData {
		switch x.sc.next(false) {
		case tokEOF:
			return 0, nil, x.end()
		case tokStart:
			if string(x.sc.name) == "sheetData" {
				if x.sc.self {
					return 0, nil, x.end()
				}
				x.inData = true
			}
		}
	}
	for {
		switch x.sc.next(false) {
		case tokEOF:
			return 0, nil, x.end()
		case tokEnd:
			if string(x.sc.name) == "sheetData" {
				return 0, nil, x.end()
			}
		case tokStart:
			if string(x.sc.name) != "row" {
				continue
			}
			num := x.lastRow + 1
			if v, ok := x.sc.attr("r"); ok {
				if n, err := strconv.Atoi(v); err == nil && n > x.lastRow {
					num = n
				}
			}
			x.lastRow = num
			x.cells = x.cells[:0]
			if !x.sc.self {
				if err := x.readRow(); err != nil {
					x.done = true
					return 0, nil, x.rowError(num, err)
				}
			}
			if len(x.merges) > 0 {
				if err := x.fillMerged(num); err != nil {
					x.done = true
					return 0, nil, x.rowError(num, err)
				}
			}
			return num, x.cells, nil
		}
	}
}

// Errors of readRow and fillMerged besides the XML's.
var (
	errRowTooLarge = errors.New("row too large")
	errMergeHeld   = errors.New("merged ranges too large")
)

// rowError says why row num could not be read.
func (x *xlsxSource) rowError(num int, err error) error {
	row := "工作表“" + x.sheet + "”第 " + strconv.Itoa(num) + " 行"
	switch {
	case isCancel(err), errors.Is(err, errSpill):
		return err
	case errors.Is(err, errRowTooLarge):
		return fileError(CodeTooLarge, row+"的内容超过 "+strconv.Itoa(maxRowBytes>>20)+" MB，无法读取：请检查该行是否误粘贴了大量内容")
	case errors.Is(err, errMergeHeld):
		return fileError(CodeTooLarge, row+"所在的合并单元格过多或内容过长（超过 "+strconv.Itoa(maxMergeHeldBytes>>20)+
			" MB），无法读取：请取消不必要的合并单元格后再导入")
	}
	return fileError(CodeBadXLSX, row+"的数据损坏，无法继续读取（"+err.Error()+"）")
}

// end finishes the sheet: io.EOF, or an error when the data could not be read to the end (a
// damaged zip entry fails its checksum there), or the context's error when it ended the
// reading. A worksheet without sheetData is empty.
func (x *xlsxSource) end() error {
	x.done = true
	switch {
	case isCancel(x.sc.err):
		return x.sc.err
	case x.sc.err != nil:
		return fileError(CodeBadXLSX, "工作表“"+x.sheet+"”的数据损坏，无法读完："+x.sc.err.Error())
	}
	return io.EOF
}

// readRow reads the cells of a <row> up to its end tag, at most maxRowBytes of text.
func (x *xlsxSource) readRow() error {
	col, size := -1, 0
	for {
		switch x.sc.next(false) {
		case tokEOF:
			if x.sc.err != nil {
				return x.sc.err
			}
			return io.ErrUnexpectedEOF
		case tokEnd:
			if string(x.sc.name) == "row" {
				return nil
			}
		case tokStart:
			if string(x.sc.name) != "c" {
				continue
			}
			if ref, ok := x.sc.rawAttr("r"); ok {
				if c, ok := columnIndex(ref); ok {
					col = c
				} else {
					col++
				}
			} else {
				col++
			}
			t, _ := x.sc.rawAttr("t")
			typ := cellType(t)
			if x.sc.self {
				continue
			}
			c, err := x.readCell(typ)
			if err != nil {
				return err
			}
			if x.sstErr != nil {
				return x.sstErr
			}
			if col >= maxColumns || c.text == "" {
				continue
			}
			if size += len(c.text); size > maxRowBytes {
				return errRowTooLarge
			}
			for len(x.cells) <= col {
				x.cells = append(x.cells, cell{})
			}
			x.cells[col] = c
		}
	}
}

// readCell reads a <c> element's content up to its end tag and returns its value by type: a
// shared string, an inline string, a formula's cached result, a boolean, an ISO date, or a number.
func (x *xlsxSource) readCell(typ string) (cell, error) {
	x.vbuf, x.tbuf = x.vbuf[:0], x.tbuf[:0]
	if c, ok := x.fastCell(typ); ok {
		return c, nil
	}
	inV, inIS, inT, rph := false, false, false, 0
	for {
		switch x.sc.next(inV || (inIS && inT && rph == 0)) {
		case tokEOF:
			if x.sc.err != nil {
				return cell{}, x.sc.err
			}
			return cell{}, io.ErrUnexpectedEOF
		case tokText:
			if inV {
				x.vbuf = appendCapped(x.vbuf, x.sc.text)
			} else {
				x.tbuf = appendCapped(x.tbuf, x.sc.text)
			}
		case tokStart:
			if x.sc.self {
				continue
			}
			switch string(x.sc.name) {
			case "v":
				inV = true
			case "is":
				inIS = true
			case "t":
				inT = true
			case "rPh":
				rph++
			case "f":
				if err := x.skipTo("f"); err != nil {
					return cell{}, err
				}
			}
		case tokEnd:
			switch string(x.sc.name) {
			case "v":
				inV = false
			case "is":
				inIS = false
			case "t":
				inT = false
			case "rPh":
				if rph > 0 {
					rph--
				}
			case "c":
				return x.value(typ), nil
			}
		}
	}
}

// Cell contents in the shapes Excel and excelize write, read in one step by fastCell.
var (
	openV        = []byte("<v>")
	closeVC      = []byte("</v></c>")
	openIST      = []byte("<is><t>")
	openISTSpace = []byte(`<is><t xml:space="preserve">`)
	closeTISC    = []byte("</t></is></c>")
)

// fastCell reads the content of a cell written in one of the usual shapes — <v>…</v></c> or
// <is><t>…</t></is></c> — straight from the buffer, without a token per tag; on any other
// shape it consumes nothing and reports false, and readCell reads the cell token by token.
func (x *xlsxSource) fastCell(typ string) (cell, bool) {
	r := x.sc.r
	buf, _ := r.Peek(r.Buffered())
	if len(buf) < 256 {
		buf, _ = r.Peek(4096)
	}
	var open, closing []byte
	switch {
	case bytes.HasPrefix(buf, openV):
		open, closing = openV, closeVC
	case typ == "inlineStr" && bytes.HasPrefix(buf, openIST):
		open, closing = openIST, closeTISC
	case typ == "inlineStr" && bytes.HasPrefix(buf, openISTSpace):
		open, closing = openISTSpace, closeTISC
	default:
		return cell{}, false
	}
	body := buf[len(open):]
	end := bytes.IndexByte(body, '<')
	if end < 0 || !bytes.HasPrefix(body[end:], closing) {
		return cell{}, false
	}
	val := body[:end]
	if bytes.IndexByte(val, '&') >= 0 {
		x.sc.text = decodeEntities(x.sc.text[:0], val)
		val = x.sc.text
	}
	if len(val) > maxTextBytes {
		val = val[:maxTextBytes]
	}
	if open[1] == 'v' {
		x.vbuf = append(x.vbuf, val...)
	} else {
		x.tbuf = append(x.tbuf, val...)
	}
	c := x.value(typ)
	_, _ = r.Discard(len(open) + end + len(closing))
	return c, true
}

// skipTo skips everything up to the end tag name.
func (x *xlsxSource) skipTo(name string) error {
	for {
		switch x.sc.next(false) {
		case tokEOF:
			if x.sc.err != nil {
				return x.sc.err
			}
			return io.ErrUnexpectedEOF
		case tokEnd:
			if string(x.sc.name) == name {
				return nil
			}
		}
	}
}

func (x *xlsxSource) value(typ string) cell {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(x.vbuf)))
		if err != nil {
			return cell{}
		}
		s, err := x.sst.get(i)
		if err != nil {
			x.sstErr = err
		}
		return cell{text: s}
	case "inlineStr":
		if len(x.tbuf) == 0 {
			return cell{text: cellString(x.vbuf)}
		}
		return cell{text: cellString(x.tbuf)}
	case "b":
		switch strings.TrimSpace(string(x.vbuf)) {
		case "1", "true":
			return cell{text: "TRUE"}
		case "0", "false":
			return cell{text: "FALSE"}
		}
		return cell{}
	case "", "n":
		v := strings.TrimSpace(cellString(x.vbuf))
		return cell{text: v, num: v != ""}
	}
	// str (a formula's text), e (#N/A …), d (an ISO 8601 date).
	return cell{text: cellString(x.vbuf)}
}

// cellString returns the text of a cell: OOXML escapes decoded, and bytes that are not UTF-8
// (which an XML parser would have refused) replaced by U+FFFD, so that every later step works
// on valid text.
func cellString(b []byte) string {
	s := unescapeOOXML(string(b))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// close ends the reading of the worksheet (and closes the book of openXLSX).
func (x *xlsxSource) close() error {
	err := x.rc.Close()
	if x.owner != nil {
		if e := x.owner.close(); err == nil {
			err = e
		}
	}
	return err
}

// cellType returns the cell type attribute as a constant string, without allocating for the
// types of SpreadsheetML.
func cellType(t []byte) string {
	for _, c := range []string{"s", "n", "inlineStr", "str", "b", "e", "d"} {
		if string(t) == c {
			return c
		}
	}
	return string(t)
}

// columnIndex returns the 0-based column of a cell reference such as "AB12".
func columnIndex[T string | []byte](ref T) (int, bool) {
	col, n := 0, 0
	for n < len(ref) {
		c := ref[n]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		n++
		if n > 3 {
			return 0, false
		}
	}
	if n == 0 || col > maxColumns {
		return 0, false
	}
	return col - 1, true
}
