package population

import (
	"bytes"
	"strings"
	"testing"

	"guanai/internal/region"
	"guanai/internal/sheet"
)

func readCSV(t *testing.T, text string, opt Options) (*Result, error) {
	t.Helper()
	tb, err := sheet.NewTable(strings.NewReader(text), int64(len(text)), "f.csv", "")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	return Read(tb, opt)
}

func TestReadChecksEveryRow(t *testing.T) {
	head := "乌海市不满16周岁儿童人口\n行政区划代码,名称,年份,来源,儿童总数,流动儿童,留守儿童,男,女,0-4岁,5-9岁,10-14岁,15岁\n"
	for _, tc := range []struct {
		name, row, code, column string
	}{
		{"valid", "150302001,凤凰岭街道,2020年,第七次全国人口普查,\"1,200\",300,40,600,600,300,400,400,100", "", ""},
		{"unknown code", "150302999,,2020,人口普查,10,,,,,,,,", "region", "区划代码"},
		{"bad code", "15030X,,2020,人口普查,10,,,,,,,,", "region", "区划代码"},
		{"no total", "150302001,,2020,人口普查,,,,,,,,,", "required", "不满16周岁儿童"},
		{"negative", "150302001,,2020,人口普查,-3,,,,,,,,", "number", "不满16周岁儿童"},
		{"migrant over total", "150302001,,2020,人口普查,10,11,,,,,,,", "exceeds_total", "流动儿童"},
		{"sexes over total", "150302001,,2020,人口普查,10,,,6,6,,,,", "exceeds_total", "男"},
		{"ages over total", "150302001,,2020,人口普查,10,,,,,3,3,3,3", "exceeds_total", "0-4岁"},
		{"future year", "150302001,,2031,人口普查,10,,,,,,,,", "year", "参考年份"},
		{"unknown source", "150302001,,2020,问卷,10,,,,,,,,", "source", "数据来源"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := readCSV(t, head+tc.row+"\n", Options{ThisYear: 2025})
			if err != nil {
				t.Fatal(err)
			}
			if tc.code == "" {
				if len(res.Problems) != 0 || len(res.Figures) != 1 {
					t.Fatalf("problems %+v", res.Problems)
				}
				f := res.Figures[0]
				if f.Total != 1200 || *f.Migrant != 300 || f.Year != 2020 || f.Source != SourceCensus || *f.Ages[3] != 100 || res.Lines[0] != 3 {
					t.Errorf("figure %+v", f)
				}
				return
			}
			if len(res.Figures) != 0 || len(res.Problems) == 0 || res.Problems[0].Code != tc.code || res.Problems[0].Column != tc.column || res.Problems[0].Row != 3 {
				t.Fatalf("got %+v, want %s in %s on row 3", res.Problems, tc.code, tc.column)
			}
			if m := res.Problems[0].Message; m == "" || strings.ContainsAny(m, "abcdefghijklmnopqrstuvwxyz") && !strings.Contains(m, "X") {
				t.Errorf("message %q is not Chinese", m)
			}
		})
	}
	// A duplicate row, and a file without the header.
	res, _ := readCSV(t, head+"150302001,,2020,人口普查,10\n150302001,,2020,普查,12\n", Options{ThisYear: 2025})
	if len(res.Figures) != 1 || len(res.Problems) != 1 || res.Problems[0].Code != "duplicate" {
		t.Errorf("duplicate: %+v", res.Problems)
	}
	if _, err := readCSV(t, "a,b\n1,2\n", Options{}); err == nil || !strings.Contains(err.Error(), "没有找到表头") {
		t.Errorf("no header: %v", err)
	}
	// Year and source from the options for rows that leave them empty.
	res, _ = readCSV(t, "区划代码,不满16周岁儿童\n150302,5000\n", Options{ThisYear: 2025, Year: 2024, Source: SourceMigrant})
	if len(res.Figures) != 1 || res.Figures[0].Year != 2024 || res.Figures[0].Source != SourceMigrant {
		t.Errorf("defaults: %+v %+v", res.Figures, res.Problems)
	}
}

func TestTemplateReadsBack(t *testing.T) {
	divs := Divisions(region.Default(), "150302", region.Township)
	if len(divs) < 3 || divs[0].Level != region.Township {
		t.Fatalf("divisions %v", divs)
	}
	var buf bytes.Buffer
	if err := Template(&buf, divs, 2020, SourceCensus, sheet.XLSX); err != nil {
		t.Fatal(err)
	}
	tb, err := sheet.NewTable(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "t.xlsx", "")
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	res, err := Read(tb, Options{ThisYear: 2025})
	if err != nil {
		t.Fatal(err)
	}
	// The template has no numbers yet: every row says the total is missing, and names its row.
	if res.Rows != len(divs) || len(res.Problems) != len(divs) || res.Problems[0].Code != "required" || res.Problems[0].Row != 3 {
		t.Errorf("template read back: %d rows, problems %+v", res.Rows, res.Problems[:1])
	}
}
