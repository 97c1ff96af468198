package sheet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// csvSource reads the rows of a delimited text file.
type csvSource struct {
	cr       *csv.Reader
	lim      *recordLimit
	encoding string // utf-8, gb18030, utf-16le, utf-16be
	extra    int    // line breaks inside quoted fields so far
	last     int
	cells    []cell
}

// openText opens delimited text: UTF-8 with or without BOM, UTF-16 (Excel's "Unicode 文本"),
// or, when the bytes are not valid UTF-8, GB18030 — the superset of GBK and GB2312 in which a
// Chinese Excel saves "CSV (逗号分隔)". The delimiter is the one of comma, tab and semicolon
// that splits the first lines the most. A record is at most maxCSVRecordBytes and
// maxColumns fields; the reading stops when ctx ends.
func openText(ctx context.Context, ra io.ReaderAt, size int64) (*csvSource, error) {
	head := make([]byte, min(size, 4))
	_, _ = ra.ReadAt(head, 0)
	var off int64
	var dec *encoding.Decoder
	name := "utf-8"
	switch order := utf16Order(firstBytes(ra, size)); {
	case len(head) >= 3 && string(head[:3]) == "\xef\xbb\xbf":
		off = 3
	case order == 1:
		dec, name = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), "utf-16le"
	case order == 2:
		dec, name = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder(), "utf-16be"
	default:
		ok, err := validUTF8(ctx, ra, size)
		if err != nil {
			return nil, err
		}
		if !ok {
			dec, name = simplifiedchinese.GB18030.NewDecoder(), "gb18030"
		}
	}
	var r io.Reader = io.NewSectionReader(ra, off, size-off)
	if dec != nil {
		r = transform.NewReader(r, dec)
	}
	lim := &recordLimit{r: r, ctx: ctx}
	br := bufio.NewReaderSize(lim, csvBuffer)
	peek, _ := br.Peek(csvBuffer)
	cr := csv.NewReader(br)
	cr.Comma = sniffDelimiter(peek)
	lim.comma = byte(cr.Comma)
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &csvSource{cr: cr, lim: lim, encoding: name}, nil
}

// csvBuffer is the buffer between the decoded text and encoding/csv.
const csvBuffer = 64 << 10

// recordLimit is the decoded text of a CSV file as encoding/csv reads it, which has no bound of
// its own on a record (nor on its fields: about 40 bytes each). It counts what the record being
// read holds — its bytes, less the line breaks outside quotes (blank lines between records,
// which encoding/csv skips), and its delimiters, quoted or not (a stray quote must not hide a
// million of them; no cell holds tens of thousands) — and fails the next read with
// errRecordTooLong or errTooManyFields beyond maxCSVRecordBytes or maxColumns. The counts start
// again at each record (csvSource.next); what the buffer has read ahead of the record, at most
// csvBuffer, is allowed for. A read fails with the context's error once the context is done.
type recordLimit struct {
	r      io.Reader
	ctx    context.Context
	comma  byte
	quoted bool
	held   int // bytes of the record
	fields int // delimiters of the record
}

var (
	errRecordTooLong = errors.New("csv record too long")
	errTooManyFields = errors.New("csv record has too many fields")
)

func (l *recordLimit) Read(p []byte) (int, error) {
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	switch {
	case l.held > maxCSVRecordBytes+csvBuffer:
		return 0, errRecordTooLong
	case l.fields > maxColumns+csvBuffer:
		return 0, errTooManyFields
	}
	n, err := l.r.Read(p)
	l.count(p[:n])
	return n, err
}

// count adds b to the counts, following the quotes.
func (l *recordLimit) count(b []byte) {
	for len(b) > 0 {
		q := bytes.IndexByte(b, '"')
		seg := b
		if q >= 0 {
			seg = b[:q]
		}
		l.held += len(seg)
		l.fields += bytes.Count(seg, []byte{l.comma})
		if !l.quoted {
			l.held -= bytes.Count(seg, []byte{'\n'}) + bytes.Count(seg, []byte{'\r'})
		}
		if q < 0 {
			return
		}
		l.held++
		l.quoted = !l.quoted
		b = b[q+1:]
	}
}

// reset starts the counts of a new record.
func (l *recordLimit) reset() { l.held, l.fields = 0, 0 }

func firstBytes(ra io.ReaderAt, size int64) []byte {
	b := make([]byte, min(size, 4<<10))
	n, _ := ra.ReadAt(b, 0)
	return b[:n]
}

// validUTF8 reports whether the whole file is valid UTF-8, reading it in chunks.
func validUTF8(ctx context.Context, ra io.ReaderAt, size int64) (bool, error) {
	const chunk = 256 << 10
	buf := make([]byte, chunk+utf8.UTFMax)
	carry := 0
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n, err := ra.ReadAt(buf[carry:carry+chunk], off)
		if n == 0 && err != nil {
			if err == io.EOF {
				break
			}
			return false, err
		}
		off += int64(n)
		data := buf[:carry+n]
		// Keep an incomplete sequence at the end for the next chunk.
		cut := len(data)
		for i := len(data) - 1; i >= 0 && i >= len(data)-utf8.UTFMax; i-- {
			if utf8.RuneStart(data[i]) {
				if !utf8.FullRune(data[i:]) && off < size {
					cut = i
				}
				break
			}
		}
		if !utf8.Valid(data[:cut]) {
			return false, nil
		}
		carry = copy(buf, data[cut:])
	}
	return utf8.Valid(buf[:carry]), nil
}

// sniffDelimiter picks the delimiter that splits one of the first 30 lines into the most fields,
// counting outside quotes; comma when none splits anything.
func sniffDelimiter(head []byte) rune {
	best, bestN := ',', 0
	for _, d := range []byte{',', '\t', ';'} {
		n, line, quoted := 0, 0, false
		most := 0
		for _, c := range head {
			switch {
			case c == '"':
				quoted = !quoted
			case c == '\n' && !quoted:
				line++
				most = max(most, n)
				n = 0
			case c == d && !quoted:
				n++
			}
			if line >= 30 {
				break
			}
		}
		if most = max(most, n); most > bestN {
			best, bestN = rune(d), most
		}
	}
	return best
}

// next returns the next record with its row number as a spreadsheet shows the file: blank
// lines count as rows, and a record with line breaks inside quotes is one row.
func (c *csvSource) next() (int, []cell, error) {
	rec, err := c.cr.Read()
	if err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		switch {
		case errors.Is(err, errRecordTooLong):
			return 0, nil, fileError(CodeTooLarge, "CSV 文件第 "+strconv.Itoa(c.last+1)+" 行起的一行超过 "+strconv.Itoa(maxCSVRecordBytes>>20)+
				" MB（可能缺少换行，或引号不配对），无法读取：请在 Excel 中打开核对后重新另存为 CSV")
		case errors.Is(err, errTooManyFields):
			return 0, nil, c.tooManyFields(maxColumns + csvBuffer)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, fileError(CodeBadCSV, "CSV 文件第 "+strconv.Itoa(pe.StartLine-c.extra)+" 行格式错误（引号不配对），无法继续读取")
		}
		return 0, nil, err
	}
	c.lim.reset()
	if len(rec) > maxColumns {
		return 0, nil, c.tooManyFields(len(rec))
	}
	line, _ := c.cr.FieldPos(0)
	num := line - c.extra
	if num <= c.last {
		num = c.last + 1
	}
	c.last = num
	c.cells = c.cells[:0]
	for _, f := range rec {
		c.extra += strings.Count(f, "\n")
		c.cells = append(c.cells, cell{text: unquoteFormula(f)}) // undoes writeCSV's quoteFormula
	}
	return num, c.cells, nil
}

// tooManyFields refuses the record after row c.last, of n fields or more.
func (c *csvSource) tooManyFields(n int) error {
	return fileError(CodeTooLarge, "CSV 文件第 "+strconv.Itoa(c.last+1)+" 行起的一行有 "+strconv.Itoa(n)+" 列以上，超过表格的上限 "+
		strconv.Itoa(maxColumns)+" 列（可能分隔符不对，或引号不配对），无法读取：请在 Excel 中打开核对后重新另存为 CSV")
}

func (c *csvSource) close() error { return nil }
