package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
)

// Merged cells. Forms merge a cell down over the rows it belongs to: brothers and sisters under
// one 父亲姓名 and one 户籍地址, a 序号 or 姓名 header over the two rows of a two-level header.
// Excel keeps the value in the top cell only, and the list of merged ranges sits after the rows
// at the end of the worksheet XML, where a streaming reader reaches it too late. So the
// worksheet is scanned once for its <mergeCell> elements before its rows are read (a second
// decompression of the part: a few percent of an import's time), and each row below the top of
// a range gets the top row's values in the range's columns where it has none.
//
// Only a row that has cells of its own is filled: a blank row inside a tall merge stays blank.
// Ranges within one row (a title over several columns, a group header over its sub-columns)
// change nothing: a value is never copied sideways into another column.

// maxMergeScan is the largest worksheet part (uncompressed) scanned for merged ranges; a larger
// one — hundreds of thousands of rows, an export of another system rather than a form someone
// filled in — is read without filling.
var maxMergeScan uint64 = 256 << 20

// errTooManyMerges is a worksheet with more than maxMerges ranges over more than one row.
var errTooManyMerges = errors.New("too many merged ranges")

// mergeRange is a merged range over more than one row: rows r0..r1 (1-based), columns c0..c1
// (0-based), and the cells of its top row once read.
type mergeRange struct {
	r0, r1, c0, c1 int
	top            []cell
}

// scanMerges returns the merged ranges of a worksheet part that span more than one row,
// ordered by their first row; errTooManyMerges beyond maxMerges of them.
func scanMerges(ctx context.Context, f *zip.File) ([]mergeRange, error) {
	if f.UncompressedSize64 > maxMergeScan {
		return nil, nil
	}
	orc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer orc.Close()
	rc := cancelReader{orc, ctx}
	var out []mergeRange
	const keep = 512 // a <mergeCell ref="…"/> element split between two reads is found whole
	buf := make([]byte, 256<<10)
	n := 0
	for {
		m, err := io.ReadFull(rc, buf[n:])
		n += m
		end := n
		if err == nil {
			end = n - keep
		}
		data := buf[:n]
		i := 0
		for {
			j := bytes.Index(data[i:], []byte("mergeCell "))
			if j < 0 || i+j >= end {
				break
			}
			i += j + len("mergeCell ")
			if r, ok := mergeRef(data[i:]); ok && r.r1 > r.r0 {
				if len(out) == maxMerges {
					return nil, errTooManyMerges
				}
				out = append(out, r)
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		n = copy(buf, buf[max(i, end):n])
	}
	slices.SortStableFunc(out, func(a, b mergeRange) int { return a.r0 - b.r0 })
	return out, nil
}

// mergeRef reads the ref="A1:B2" attribute of a mergeCell element's remaining bytes.
func mergeRef(b []byte) (mergeRange, bool) {
	if k := bytes.IndexByte(b, '>'); k >= 0 {
		b = b[:k]
	}
	k := bytes.Index(b, []byte(`ref="`))
	if k < 0 {
		return mergeRange{}, false
	}
	b = b[k+len(`ref="`):]
	e := bytes.IndexByte(b, '"')
	if e < 0 {
		return mergeRange{}, false
	}
	from, to, ok := bytes.Cut(b[:e], []byte(":"))
	if !ok {
		return mergeRange{}, false
	}
	c0, r0, ok0 := cellRef(string(from))
	c1, r1, ok1 := cellRef(string(to))
	if !ok0 || !ok1 || c1 < c0 || r1 < r0 || c1 >= maxColumns {
		return mergeRange{}, false
	}
	return mergeRange{r0: r0, r1: r1, c0: c0, c1: c1}, true
}

// cellRef splits a reference such as AB12 into its 0-based column and 1-based row.
func cellRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && (ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		i++
	}
	if i == 0 || i == len(ref) {
		return 0, 0, false
	}
	col, ok = columnIndex(ref[:i])
	if !ok {
		return 0, 0, false
	}
	for _, c := range ref[i:] {
		if c < '0' || c > '9' || row > 10_000_000 {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	return col, row, row > 0
}

// fillMerged gives row num (its cells in x.cells) the values of the merged ranges it lies in
// below their top row. The top rows' values held meanwhile are bounded by maxMergeHeldBytes
// (errMergeHeld).
func (x *xlsxSource) fillMerged(num int) error {
	for x.mi < len(x.merges) && x.merges[x.mi].r0 <= num {
		m := &x.merges[x.mi]
		x.mi++
		if m.r1 < num {
			continue
		}
		if m.r0 == num && m.c0 < len(x.cells) {
			m.top = slices.Clone(x.cells[m.c0:min(m.c1+1, len(x.cells))])
			if x.held += m.heldBytes(); x.held > maxMergeHeldBytes {
				return errMergeHeld
			}
		}
		x.active = append(x.active, m)
	}
	own := false
	for _, c := range x.cells {
		if c.text != "" {
			own = true
			break
		}
	}
	keep := x.active[:0]
	for _, m := range x.active {
		if m.r1 < num {
			x.held -= m.heldBytes()
			m.top = nil
			continue
		}
		keep = append(keep, m)
		if m.r0 == num || !own {
			continue
		}
		for i, v := range m.top {
			c := m.c0 + i
			if v.text == "" {
				continue
			}
			for len(x.cells) <= c {
				x.cells = append(x.cells, cell{})
			}
			if x.cells[c].text == "" {
				x.cells[c] = v
			}
		}
	}
	clear(x.active[len(keep):])
	x.active = keep
	return nil
}

// heldBytes is what the range's top-row values hold: their text and a cell each.
func (m *mergeRange) heldBytes() int {
	n := 0
	for _, c := range m.top {
		n += 24 + len(c.text)
	}
	return n
}
