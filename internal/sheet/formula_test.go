package sheet

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"guanai/internal/child"
)

func TestQuoteFormula(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"equals", "=1+1", "'=1+1"},
		{"hyperlink", `=HYPERLINK("http://evil.example","点这里")`, `'=HYPERLINK("http://evil.example","点这里")`},
		{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"international phone", "+8613812345678", "'+8613812345678"},
		{"at", "@SUM(A1:A2)", "'@SUM(A1:A2)"},
		{"tab", "\t=1+1", "'\t=1+1"},
		{"carriage return", "\r=1+1", "'\r=1+1"},
		{"minus formula", "-2+3", "'-2+3"},
		{"minus before a date", "-2015-03-10", "'-2015-03-10"},
		{"minus before a landline", "-0473-1234567", "'-0473-1234567"},
		{"a lone minus", "-", "'-"},
		{"negative number", "-12", "-12"},
		{"negative fraction", "-0.5", "-0.5"},
		{"negative exponent is not plain", "-1e5", "'-1e5"},
		{"already quoted by hand", "'=1+1", "''=1+1"},
		{"apostrophe before text", "'abc", "'abc"},
		{"text", "清泉小区3号楼", "清泉小区3号楼"},
		{"date", "2015-03-10", "2015-03-10"},
		{"landline", "0473-1234567", "0473-1234567"},
		{"minus inside", "A-1", "A-1"},
		{"empty", "", ""},
		{"apostrophe alone", "'", "'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := quoteFormula(tt.in)
			if got != tt.want {
				t.Errorf("quoteFormula(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := unquoteFormula(got); back != tt.in {
				t.Errorf("unquoteFormula(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

func FuzzQuoteFormula(f *testing.F) {
	for _, s := range []string{"=1", "'=1", "''-x", "-12", "'", "@", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quoteFormula(s)
		if back := unquoteFormula(q); back != s {
			t.Errorf("unquoteFormula(quoteFormula(%q)) = %q", s, back)
		}
		if q != "" && strings.IndexByte(formulaStarts, q[0]) >= 0 && !(q[0] == '-' && plainNumber(q[1:])) {
			t.Errorf("quoteFormula(%q) = %q starts like a formula", s, q)
		}
	})
}

// formulaRecords are children whose text items start like formulas.
func formulaRecords(t *testing.T) []child.Record {
	t.Helper()
	recs := []child.Record{{
		Name: "张小明", BirthDate: child.NewDate(2015, 3, 10),
		ResidenceAddr:       &child.Address{RegionCode: "150302003012", Detail: `=HYPERLINK("http://evil.example","详情")`},
		SchoolName:          "+1+cmd|' /C calc'!A0",
		Rehabilitation:      &child.Rehabilitation{Detail: "-2+3"},
		HelpRequested:       &child.HelpRequest{Detail: "@SUM(1+1)*cmd|' /C calc'!A0"},
		FamilyHardship:      []string{"other"},
		FamilyHardshipOther: "-",
		ReportingUnit:       "-12",
	}}
	for i := range recs {
		data, err := json.Marshal(recs[i])
		if err != nil {
			t.Fatal(err)
		}
		var is child.Issues
		if recs[i], is = child.Decode(data, child.Options{Today: testToday, Import: true}); !is.Valid() {
			t.Fatalf("record %d is not valid: %+v", i, is.Errors)
		}
	}
	return recs
}

// csvCells parses a CSV file written by writeCSV into its cells.
func csvCells(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkNoFormula fails for a cell that a spreadsheet could take for a formula: one starting
// with = + - @ or a carriage return, or a tab followed by anything but the digits of a number
// kept as text.
func checkNoFormula(t *testing.T, rows [][]string) {
	t.Helper()
	for i, row := range rows {
		for j, c := range row {
			if c == "" {
				continue
			}
			switch {
			case c[0] == '\t' && spoiledAsNumber(c[1:]):
			case c[0] == '-' && plainNumber(c[1:]):
			case strings.IndexByte(formulaStarts, c[0]) >= 0:
				t.Errorf("row %d column %d: %q starts like a formula", i+1, j+1, c)
			}
		}
	}
}

// TestCSVFormulaNeutralised: the CSV exports and rejects files written for people hold no cell
// that a spreadsheet would run as a formula, and reading them back changes nothing.
func TestCSVFormulaNeutralised(t *testing.T) {
	recs := formulaRecords(t)
	t.Run("children", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteChildren(&buf, slices.Values(recs), WriteOptions{Format: CSV, Title: "=登记表"}); err != nil {
			t.Fatal(err)
		}
		checkNoFormula(t, csvCells(t, buf.Bytes()))
		_, rows := readAll(t, buf.Bytes(), "export.csv")
		if len(rows) != len(recs) {
			t.Fatalf("got %d rows, want %d", len(rows), len(recs))
		}
		for i, row := range rows {
			if !reflect.DeepEqual(row.Record, recs[i]) {
				got, _ := json.Marshal(row.Record)
				want, _ := json.Marshal(recs[i])
				t.Errorf("row %d changed:\n got %s\nwant %s", row.Number, got, want)
			}
		}
	})
	t.Run("rejects", func(t *testing.T) {
		header := append(slices.Clone(Labels()), "@备注")
		cells := make([]string, len(header))
		cells[cName] = "=1+1"
		cells[len(cells)-1] = "+86 138 1234 5678"
		var buf bytes.Buffer
		err := WriteRejects(&buf, header, []RejectRow{{Number: 2, Cells: cells, Reason: "-姓名含有不允许的字符"}}, WriteOptions{Format: CSV})
		if err != nil {
			t.Fatal(err)
		}
		written := csvCells(t, buf.Bytes())
		checkNoFormula(t, written)
		// Fixed and imported again, the file gives back the cells as they were.
		_, rows := readAll(t, buf.Bytes(), "rejects.csv")
		if len(rows) != 1 {
			t.Fatalf("got %d rows, want 1", len(rows))
		}
		want := append(slices.Clone(cells), "-姓名含有不允许的字符")
		if got := rows[0].Cells; !reflect.DeepEqual(got, want) {
			t.Errorf("cells read back:\n got %q\nwant %q", got, want)
		}
	})
	t.Run("table", func(t *testing.T) {
		var buf bytes.Buffer
		rows := [][]string{{"=cmd", "-1", "@x"}, {"甲", "-", "\r=1"}}
		if err := WriteTable(&buf, []string{"+名称", "数量", "备注"}, slices.Values(rows), nil, WriteOptions{Format: CSV, Title: "@清单"}); err != nil {
			t.Fatal(err)
		}
		checkNoFormula(t, csvCells(t, buf.Bytes()))
	})
}
