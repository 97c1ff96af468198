package sheet

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"guanai/internal/child"
	"guanai/internal/idcard"
)

// testToday is the date of every import in the tests.
var testToday = child.NewDate(2025, 6, 30)

// synthID returns a valid synthetic identity number: a county code, a birth date, a sequence
// number (odd for a man) and the check digit.
func synthID(county string, birth child.Date, seq int) string {
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", county, birth.Year(), birth.Month(), birth.Day(), seq)
	return first17 + string(idcard.CheckDigit(first17))
}

// readAll reads every row of a file held in memory.
func readAll(t testing.TB, data []byte, name string) (*Reader, []Row) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), int64(len(data)), name, ReadOptions{Today: testToday})
	if err != nil {
		t.Fatalf("NewReader(%s): %v", name, err)
	}
	defer r.Close()
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r, rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, row)
	}
}

// fileErrorCode returns the Code of the *Error in err, or "".
func fileErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
