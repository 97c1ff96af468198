package match

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
)

// csvReader reads RFC 4180 CSV like encoding/csv (comma separator, no lazy quotes, empty lines
// skipped, every record as wide as the first) and reports the same errors (csv.ParseError with
// csv.ErrQuote, csv.ErrBareQuote or csv.ErrFieldCount), but takes a fast path for lines without
// quotes: one string per record, fields are its substrings. FuzzCSVReader checks it against
// encoding/csv.
type csvReader struct {
	br      *bufio.Reader
	line    int    // lines read so far
	fields  int    // expected fields per record (0 until the first record)
	buf     []byte // a quoted record's fields, concatenated
	ends    []int  // end of each field in buf
	partial []byte // a line longer than the buffer, assembled
}

func newCSVReader(r io.Reader) *csvReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<20)
	}
	return &csvReader{br: br}
}

// readLine returns the next line including its "\n" (none at EOF); the slice is valid until
// the next call.
func (c *csvReader) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		c.partial = append(c.partial[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = c.br.ReadSlice('\n')
			c.partial = append(c.partial, line...)
		}
		line = c.partial
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		if line[len(line)-1] == '\r' { // as encoding/csv: a final \r before EOF is dropped
			line = line[:len(line)-1]
		}
	}
	if err != nil {
		return nil, err
	}
	c.line++
	return line, nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// Read returns the next record, reusing dst. At the end it returns io.EOF.
func (c *csvReader) Read(dst []string) ([]string, error) {
	var line []byte
	var err error
	for {
		line, err = c.readLine()
		if err != nil {
			return nil, err
		}
		if len(trimEOL(line)) > 0 {
			break
		}
	}
	start := c.line
	dst = dst[:0]
	if bytes.IndexByte(line, '"') < 0 {
		s := string(trimEOL(line))
		for {
			i := indexComma(s)
			if i < 0 {
				dst = append(dst, s)
				break
			}
			dst = append(dst, s[:i])
			s = s[i+1:]
		}
		return c.checkWidth(dst, start)
	}
	// slow path: quotes, possibly spanning lines
	c.buf = c.buf[:0]
	c.ends = c.ends[:0]
	col := 0 // bytes of the current line consumed, for error columns
	for {
		// at the start of a field
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = line[:i]
			} else {
				field = trimEOL(line)
			}
			if j := bytes.IndexByte(field, '"'); j >= 0 {
				return nil, &csv.ParseError{StartLine: start, Line: c.line, Column: col + j + 1, Err: csv.ErrBareQuote}
			}
			c.buf = append(c.buf, field...)
			c.ends = append(c.ends, len(c.buf))
			if i < 0 {
				break
			}
			line, col = line[i+1:], col+i+1
			continue
		}
		line, col = line[1:], col+1
		done := false
		for !done {
			i := bytes.IndexByte(line, '"')
			if i < 0 {
				// the field goes on on the next line ("\r\n" inside quotes reads as "\n")
				if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
					c.buf = append(append(c.buf, line[:n-2]...), '\n')
				} else {
					c.buf = append(c.buf, line...)
				}
				next, err := c.readLine()
				if err != nil {
					return nil, &csv.ParseError{StartLine: start, Line: c.line, Column: col + len(line) + 1, Err: csv.ErrQuote}
				}
				line, col = next, 0
				continue
			}
			c.buf = append(c.buf, line[:i]...)
			line, col = line[i+1:], col+i+1
			switch {
			case len(line) > 0 && line[0] == '"':
				c.buf = append(c.buf, '"')
				line, col = line[1:], col+1
			case len(line) > 0 && line[0] == ',':
				c.ends = append(c.ends, len(c.buf))
				line, col = line[1:], col+1
				done = true
			case len(trimEOL(line)) == 0:
				c.ends = append(c.ends, len(c.buf))
				line = nil
				done = true
			default:
				return nil, &csv.ParseError{StartLine: start, Line: c.line, Column: col + 1, Err: csv.ErrQuote}
			}
		}
		if line == nil {
			break
		}
	}
	s := string(c.buf)
	prev := 0
	for _, e := range c.ends {
		dst = append(dst, s[prev:e])
		prev = e
	}
	return c.checkWidth(dst, start)
}

func indexComma(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return i
		}
	}
	return -1
}

func (c *csvReader) checkWidth(rec []string, start int) ([]string, error) {
	if c.fields == 0 {
		c.fields = len(rec)
		return rec, nil
	}
	if len(rec) != c.fields {
		return rec, &csv.ParseError{StartLine: start, Line: start, Column: 1, Err: csv.ErrFieldCount}
	}
	return rec, nil
}
