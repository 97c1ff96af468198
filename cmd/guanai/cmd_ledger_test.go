package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"guanai/internal/child"
	"guanai/internal/demo"
	"guanai/internal/sheet"
)

// TestLedgerCommands imports 2,000 synthetic children with the binary and checks guanai ledger:
// list prints one JSON line per open entry, as many as the key_care total of guanai stats for the
// same region and day (the city and a district), names and ID numbers masked; export writes the
// workbook of the district with the township's columns, numbered rows, the ID numbers masked,
// and LibreOffice opens it.
func TestLedgerCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "g.db")
	today := child.DateOf(time.Now().In(chinaTime))
	g := demo.New(14, today)
	recs := make([]child.Record, 2000)
	for i := range recs {
		recs[i] = g.Child()
		recs[i].Ref = ""
	}
	book := filepath.Join(dir, "demo.xlsx")
	f, err := os.Create(book)
	if err != nil {
		t.Fatal(err)
	}
	if err := sheet.WriteChildren(f, slices.Values(recs), sheet.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if out, stderr, code := run(t, nil, "import", "children", book, "--db", db, "--quiet"); code != 0 {
		t.Fatalf("import: %s %s", out, stderr)
	}
	for _, region := range []string{"150300", "150302"} {
		out, stderr, code := run(t, nil, "stats", "--region", region, "--db", db)
		if code != 0 {
			t.Fatalf("stats: %s", stderr)
		}
		var rep struct {
			Totals struct {
				KeyCare int `json:"key_care"`
			} `json:"totals"`
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatal(err)
		}
		out, stderr, code = run(t, nil, "ledger", "list", "--region", region, "--db", db)
		if code != 0 {
			t.Fatalf("ledger list: %s", stderr)
		}
		n := 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			var v struct {
				UID        string   `json:"uid"`
				Child      string   `json:"child"`
				Status     string   `json:"status"`
				RegionCode string   `json:"region_code"`
				NextVisit  string   `json:"next_visit"`
				Reasons    []string `json:"reasons"`
			}
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("line %d: %v", n+1, err)
			}
			n++
			if !strings.Contains(v.Child, "*") || !strings.HasPrefix(v.RegionCode, region[:4]) || len(v.Reasons) == 0 || v.NextVisit == "" {
				t.Fatalf("line %d: %s", n, sc.Text())
			}
		}
		if n != rep.Totals.KeyCare || n == 0 {
			t.Fatalf("region %s: %d ledger lines, stats key_care %d", region, n, rep.Totals.KeyCare)
		}
		if region != "150302" {
			continue
		}
		xlsx := filepath.Join(dir, "台账.xlsx")
		if _, stderr, code := run(t, nil, "ledger", "export", "--region", region, "--out", xlsx, "--db", db); code != 0 {
			t.Fatalf("ledger export: %s", stderr)
		}
		wb, err := excelize.OpenFile(xlsx)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := wb.GetRows(wb.GetSheetName(0))
		wb.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != n+2 || rows[1][0] != "序号" || rows[1][4] != "身份证号" || rows[1][13] != "状态" {
			t.Fatalf("workbook: %d rows for %d entries, header %q", len(rows), n, rows[1])
		}
		for i, r := range rows[2:] {
			if r[0] != strconv.Itoa(i+1) || !strings.Contains(r[4], "*") || r[1] == "" {
				t.Fatalf("row %d: %q", i+1, r)
			}
		}
		if _, err := exec.LookPath("soffice"); err != nil {
			t.Log("soffice absent: LibreOffice check skipped")
			continue
		}
		cmd := exec.Command("soffice", "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "lo"), "--convert-to", "csv", "--outdir", dir, xlsx)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice: %v %s", err, out)
		}
		csv, err := os.ReadFile(filepath.Join(dir, "台账.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(strings.TrimSpace(string(csv)), "\n") + 1; lines != n+2 {
			t.Fatalf("LibreOffice read %d lines, want %d", lines, n+2)
		}
	}
}
