package sheet

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"guanai/internal/child"
)

// This file exposes the cell layer under Reader to readers of other tables than the registration
// template — the department rosters of internal/roster — so that they get the same file
// handling (format sniffing, encodings, streaming xlsx, Excel dates and numbers) without
// copying it.

// Cell is one cell as read from a file: its text (for a number, the value as stored, such as
// "42073" or "1.50304200001011E+17") and whether the workbook stored it as a number. CSV cells
// are never numbers.
type Cell struct {
	Text   string
	Number bool
}

// Table reads the rows of a workbook or text file as cells, one row at a time, with no header
// handling: the caller decides which row is the header. It is not safe for concurrent use.
type Table struct {
	src      source
	ctx      context.Context
	done     <-chan struct{} // ctx.Done()
	file     *os.File
	name     string
	format   string
	date1904 bool
	eof      bool
	// book and rest: a workbook opened without a sheet name, and the worksheets NextSheet may
	// still try.
	book *xlsxBook
	rest []workbookSheet
	// Sheet is the name of the worksheet read ("" for a text file).
	Sheet string
}

// OpenTable opens the workbook at path (.xlsx, an .xls that is an .xlsx inside, or .csv);
// sheetName selects a worksheet ("" the first visible one). The Table must be closed.
func OpenTable(path, sheetName string) (*Table, error) {
	return OpenTableContext(context.Background(), path, sheetName)
}

// OpenTableContext is OpenTable with a context that stops the reading when it ends: Next then
// returns the context's error (as ReadOptions.Context does for a Reader). nil means
// context.Background().
func OpenTableContext(ctx context.Context, path, sheetName string) (*Table, error) {
	t, f, err := openFile(path, func(f *os.File, size int64, name string) (*Table, error) {
		return NewTableContext(ctx, f, size, name, sheetName)
	})
	if err != nil {
		return nil, err
	}
	t.file = f
	return t, nil
}

// NewTable reads a workbook of size bytes from r; name is the file's name, for messages. The
// format is decided by the content, as for NewReader, and the same files are refused with the
// same *Error.
func NewTable(r io.ReaderAt, size int64, name, sheetName string) (*Table, error) {
	return NewTableContext(context.Background(), r, size, name, sheetName)
}

// NewTableContext is NewTable with a context that stops the reading when it ends (see
// OpenTableContext).
func NewTableContext(ctx context.Context, r io.ReaderAt, size int64, name, sheetName string) (*Table, error) {
	ctx = contextOf(ctx)
	t := &Table{name: name, ctx: ctx, done: ctx.Done()}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ff, err := sniff(r, size, name)
	if err != nil {
		return nil, t.openError(err)
	}
	switch ff {
	case formatXLSX:
		b, err := openBook(ctx, r, size)
		if err != nil {
			return nil, t.openError(err)
		}
		cands, err := b.candidates(sheetName)
		if err != nil {
			b.close()
			return nil, t.openError(err)
		}
		x, err := b.open(cands[0])
		if err != nil {
			b.close()
			return nil, t.openError(err)
		}
		t.src, t.format, t.date1904, t.book, t.rest, t.Sheet = x, "xlsx", x.date1904, b, cands[1:], cands[0].name
	default:
		c, err := openText(ctx, r, size)
		if err != nil {
			return nil, t.openError(err)
		}
		t.src, t.format = c, "csv"
	}
	return t, nil
}

// openError wraps an error of NewTableContext; the context's error, when the context ended,
// whatever the reading failed with then.
func (t *Table) openError(err error) error {
	if e := t.ctx.Err(); e != nil {
		err = e
	}
	return fmt.Errorf("sheet: %s: %w", t.name, err)
}

// Next returns the next row that has cells: its 1-based row number as the spreadsheet shows it
// and its cells (cleaned of surrounding white space, ="…" and a leading apostrophe); io.EOF
// after the last one; the context's error (unwrapped) once the context is done.
func (t *Table) Next() (int, []Cell, error) {
	if t.eof {
		return 0, nil, io.EOF
	}
	select {
	case <-t.done:
		return 0, nil, t.ctx.Err()
	default:
	}
	num, cells, err := t.src.next()
	if err == io.EOF {
		t.eof = true
		return 0, nil, io.EOF
	}
	if err != nil {
		if e := t.ctx.Err(); e != nil {
			return 0, nil, e
		}
		t.eof = true
		return 0, nil, fmt.Errorf("sheet: %s: %w", t.name, err)
	}
	out := make([]Cell, len(cells))
	for i, c := range cells {
		out[i] = Cell{Text: cleanCell(c.text), Number: c.num}
	}
	return num, out, nil
}

// NextSheet moves to the next worksheet a reader may take — for a caller that found no header on
// this one (workbooks often open on a sheet of instructions). It answers false when there is
// none: a text file, a sheet named by the caller, or the last candidate.
func (t *Table) NextSheet() (bool, error) {
	if len(t.rest) == 0 {
		return false, nil
	}
	ws := t.rest[0]
	t.rest = t.rest[1:]
	x, err := t.book.open(ws)
	if err != nil {
		return false, fmt.Errorf("sheet: %s: %w", t.name, err)
	}
	t.src.close()
	t.src, t.date1904, t.eof, t.Sheet = x, x.date1904, false, ws.name
	return true, nil
}

// Format returns "xlsx" or "csv".
func (t *Table) Format() string { return t.format }

// Date1904 reports a workbook in the 1904 date system (old Mac workbooks), for DateCell.
func (t *Table) Date1904() bool { return t.date1904 }

// Close releases the file, and the temporary file of a large shared-string table.
func (t *Table) Close() error {
	err := t.src.close()
	if t.book != nil {
		if e := t.book.close(); err == nil {
			err = e
		}
	}
	if t.file != nil {
		if e := t.file.Close(); err == nil {
			err = e
		}
	}
	return err
}

// HeaderKey is the form in which a header cell is compared with the known column names: spaces,
// brackets, punctuation, a leading or trailing * and a trailing （必填）/（选填） removed,
// full-width made half-width, Latin letters lower-case.
func HeaderKey(s string) string { return headerKey(s) }

// Value returns the cell as people see it: a number cell as an integer while it has at most 15
// digits ("42073.0" → "42073"), white space normalised.
func (c Cell) Value() string {
	if c.Number {
		return numberText(c.Text)
	}
	return child.NormalizeText(c.Text)
}

// LostDigits reports a number cell that cannot hold the identity or certificate number typed
// into it: 16 digits or more (a spreadsheet keeps 15) or a fraction.
func (c Cell) LostDigits() bool { return c.Number && lostDigits(c.Text) }

// ExcelDisplay returns a large number as Excel shows it in a General cell: 1.50304E+17.
func (c Cell) ExcelDisplay() string {
	if c.Number {
		return excelDisplay(c.Text)
	}
	return child.NormalizeText(c.Text)
}

// Scientific reports a text cell holding a number in exponent form (1.50304E+17): what a CSV
// keeps of an identity number that a spreadsheet displayed as a number.
func (c Cell) Scientific() bool { return !c.Number && isScientific(child.NormalizeText(c.Text)) }

// DateCell reads a date cell as the registration template does: a spreadsheet serial number,
// or text in the shapes of DATA.md (2015-03-10, 2015/3/10, 2015.3.10, 2015年3月10日, 20150310)
// with full-width digits or a time of day after it. ok is false for no date shape at all;
// impossible for a date shape that names no real day (2015-02-30).
func DateCell(c Cell, date1904 bool) (d child.Date, ok, impossible bool) {
	d, res := parseDate(c.Text, date1904)
	return d, res == dateOK, res == dateImpossible
}

// SetCell splits a cell of several values of a code table (残疾类别 "视力、肢体", "多重残疾（视力、
// 肢体）", "无") into codes. bad lists the values that are not in the table; exclusive reports
// 无 together with values; multiple reports 多重残疾 without its types.
func SetCell(s string, t *child.CodeTable) (codes, bad []string, exclusive, multiple bool) {
	res := parseSet(s, t)
	return res.codes, res.bad, res.exclusive, res.multiple
}

// CodeCell reads one value of a code table: the label, the code or an alias, with a note after
// it dropped (其他（自建房） → other).
func CodeCell(s string, t *child.CodeTable) (string, bool) {
	return lookupCode(strings.TrimSpace(s), t)
}
