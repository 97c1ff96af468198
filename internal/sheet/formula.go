package sheet

import "strings"

// formulaStarts are the characters with which a spreadsheet opening a CSV file (Excel, WPS,
// LibreOffice) may take a cell for a formula — = + - @, and tab and carriage return, which some
// skip before looking (OWASP, “CSV Injection”). A cell written for people that starts with one
// of them is written after an apostrophe, so that =HYPERLINK(…) typed into an address, or a
// header of an imported file, is shown as text instead of run.
const formulaStarts = "=+-@\t\r"

// formulaLike reports a cell that quoteFormula writes after an apostrophe: one that starts with
// a character of formulaStarts, or one that would be read back as such (apostrophes followed by
// one), so that unquoteFormula undoes exactly what quoteFormula did. A negative number (-12,
// -0.5) is a value, not a formula, and is left as it is; anything else after a minus is
// neutralised — no phone number, date, identity number or code of the registry starts with a
// minus, so one that does is a slip that a spreadsheet would compute (-2015-03-10 is -2028).
func formulaLike(s string) bool {
	s = strings.TrimLeft(s, "'")
	if s == "" || strings.IndexByte(formulaStarts, s[0]) < 0 {
		return false
	}
	return !(s[0] == '-' && plainNumber(s[1:]))
}

// plainNumber reports digits with at most one decimal point between digits.
func plainNumber(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	return allDigits(whole) && (!dot || allDigits(frac))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// quoteFormula neutralises a cell of a CSV file written for people: an apostrophe before a cell
// that a spreadsheet could take for a formula (formulaLike).
func quoteFormula(s string) string {
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

// unquoteFormula is the inverse of quoteFormula for the reader of CSV files: the apostrophe
// before a cell that quoteFormula would have quoted is removed, any other cell is unchanged, so
// that exporting and importing again changes nothing.
func unquoteFormula(s string) string {
	if len(s) > 1 && s[0] == '\'' && formulaLike(s[1:]) {
		return s[1:]
	}
	return s
}
