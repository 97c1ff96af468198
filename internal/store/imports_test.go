package store

import (
	"slices"
	"strconv"
	"testing"

	"guanai/internal/child"
)

func rowsOf(recs []child.Record) []ImportRow {
	rows := make([]ImportRow, len(recs))
	for i, r := range recs {
		rows[i] = ImportRow{Row: i + 2, Record: r, Cells: []string{r.Name, r.IDNumber, r.BirthDate.String()}}
	}
	return rows
}

func TestImportIdempotent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(31, 230)
		rows := rowsOf(recs)
		// Row 5 has an error; rows 40 and 41 are the same child, 41 adding an item and 42
		// contradicting 40; row 60 is a child without an ID number.
		rows[3].Issues.Error("id_number", "checksum", "公民身份号码 150302201503101234 校验位错误")
		rows[3].Cells = []string{"错行", "150302201503101234", "2015-03-10"}
		rows[39].Record.SchoolName = ""
		rows[40].Record = cloneRecord(t, rows[39].Record)
		rows[40].Record.SchoolName = "乌海市第六中学"
		rows[41].Record = cloneRecord(t, rows[39].Record)
		rows[41].Record.Sex, rows[41].Record.Ethnicity = rows[39].Record.Sex, "03"
		if rows[39].Record.Ethnicity == "03" {
			rows[41].Record.Ethnicity = "01"
		}
		rows[59].Record.IDNumber = ""
		rows[59].Record.HukouRegistered = child.Bool(false)
		opt := ImportOptions{Roster: "登记表.xlsx", Headers: []string{"姓名", "公民身份号码", "出生日期"}, BatchSize: 50}

		res, out, err := e.ImportRows(as("importer"), "importer", opt, rows)
		if err != nil {
			t.Fatal(err)
		}
		want := ImportResult{Batch: res.Batch, Rows: 230, Imported: 227, Updated: 1, Rejected: 2}
		if res != want {
			t.Errorf("first import: %+v, want %+v", res, want)
		}
		if out[40].Outcome != OutcomeUpdated || out[40].UID != out[39].UID || out[40].Version != 2 {
			t.Errorf("row 42 (same child, one more item): %+v", out[40])
		}
		if out[41].Outcome != OutcomeRejected || out[41].Errors[0].Code != "duplicate_row" {
			t.Errorf("row 43 (same child, contradicting): %+v", out[41])
		}

		// The second import of the same file changes nothing.
		res2, out2, err := e.ImportRows(as("importer"), "importer", opt, rowsOf2(t, rows))
		if err != nil {
			t.Fatal(err)
		}
		want2 := ImportResult{Batch: res2.Batch, Rows: 230, Unchanged: 228, Rejected: 2}
		if res2 != want2 {
			t.Errorf("second import: %+v, want %+v", res2, want2)
		}
		for i := range out {
			if out[i].UID != out2[i].UID {
				t.Errorf("row %d matched %s, first time %s", out[i].Row, out2[i].UID, out[i].UID)
				break
			}
		}
		var n int
		e.read.QueryRow("SELECT count(*) FROM children").Scan(&n)
		if n != 227 {
			t.Errorf("%d records after two imports, want 227", n)
		}

		// The rejected rows are kept with their cells and errors.
		rej, err := e.ImportRejects(ctx, res2.Batch)
		if err != nil {
			t.Fatal(err)
		}
		if len(rej) != 2 || rej[0].Row != 5 || !slices.Equal(rej[0].Cells, rows[3].Cells) || rej[0].Errors[0].Code != "checksum" ||
			rej[1].Row != 43 || rej[1].Errors[0].Code != "duplicate_row" {
			t.Errorf("rejects %+v", rej)
		}
		b, err := e.ImportBatch(ctx, res.Batch)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != "done" || b.Result != res || b.Roster != "登记表.xlsx" || len(b.Headers) != 3 || b.Actor != "cli:importer" {
			t.Errorf("batch %+v", b)
		}
		if _, err := e.ImportBatch(ctx, "nope"); errCode(err) != CodeNotFound {
			t.Errorf("unknown batch: %v", err)
		}
		// Imported records are drafts with their provenance.
		c, err := e.Get(ctx, out[0].UID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != StatusDraft || c.CreatedBy != "cli:importer" {
			t.Errorf("imported record: status %s by %s", c.Status, c.CreatedBy)
		}
		prov, _ := e.Provenance(ctx, out[0].UID)
		if len(prov) != 1 || prov[0].Source.Kind != SourceImport || prov[0].Source.Row != 2 || prov[0].Batch != res.Batch {
			t.Errorf("provenance of an imported record: %+v", prov)
		}
	})
}

// rowsOf2 copies rows, as a second reading of the same file would produce them.
func rowsOf2(t *testing.T, rows []ImportRow) []ImportRow {
	out := make([]ImportRow, len(rows))
	for i, r := range rows {
		out[i] = ImportRow{Row: r.Row, Record: cloneRecord(t, r.Record), Cells: slices.Clone(r.Cells)}
		out[i].Issues.Errors = slices.Clone(r.Issues.Errors)
		if len(r.Issues.Errors) > 0 && r.Issues.Errors[0].Code == "duplicate_row" {
			out[i].Issues.Errors = nil // that one was found by the store, not by the reader
		}
	}
	return out
}

func TestImportRoster(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(32, 3)
		existing := mustCreate(t, e, recs[0])
		base := cloneRecord(t, existing.Record)
		// The education roster knows only a few items of the children.
		roster := []ImportRow{
			{Row: 2, Record: child.Record{Name: base.Name, BirthDate: base.BirthDate, Sex: base.Sex, IDNumber: base.IDNumber,
				SchoolName: "乌海市第一中学", StudyStatus: "enrolled", Boarding: child.Bool(true)}},
			{Row: 3, Record: child.Record{Name: recs[1].Name, BirthDate: recs[1].BirthDate, Sex: recs[1].Sex, IDNumber: recs[1].IDNumber,
				SchoolName: "乌海市第二中学"}},
		}
		opt := ImportOptions{Kind: ImportRoster, Department: "education", Roster: "学籍.xlsx", RosterDate: child.NewDate(2025, 6, 1), OnlyExisting: true}
		res, out, err := e.ImportRows(ctx, "edu", opt, roster)
		if err != nil {
			t.Fatal(err)
		}
		if res.Updated != 1 || res.Unmatched != 1 || res.Imported != 0 {
			t.Errorf("roster import %+v, want 1 updated, 1 unmatched", res)
		}
		c, _ := e.Get(ctx, existing.UID)
		if c.Record.SchoolName != "乌海市第一中学" || c.Record.Name != base.Name || c.Record.Father == nil || c.Version != 2 {
			t.Errorf("after roster: school %q, name kept %v, father kept %v, version %d", c.Record.SchoolName, c.Record.Name == base.Name, c.Record.Father != nil, c.Version)
		}
		h, _ := e.History(ctx, existing.UID)
		last := h[len(h)-1]
		fields := map[string]bool{}
		for _, ch := range last.Changes {
			fields[ch.Field] = true
		}
		for _, f := range []string{"school_name", "study_status", "boarding"} {
			if !fields[f] && !(f == "study_status" && base.StudyStatus == "enrolled") && !(f == "boarding" && base.Boarding != nil && *base.Boarding) {
				t.Errorf("roster change of %s missing: %+v", f, last.Changes)
			}
		}
		if fields["name"] || fields["father.name"] {
			t.Errorf("roster erased or changed items it does not hold: %+v", last.Changes)
		}
		if last.Source.Kind != SourceRoster || last.Source.Department != "education" || last.Source.Row != 2 {
			t.Errorf("roster version source %+v", last.Source)
		}
		if out[1].Outcome != OutcomeUnmatched || out[1].UID != "" {
			t.Errorf("unmatched row: %+v", out[1])
		}

		// Two records with one ID number: an import cannot tell which to update.
		dup := recs[2]
		a := mustCreate(t, e, dup)
		b, err := e.Create(ctx, "c", dup, Source{AllowDuplicate: true})
		if err != nil {
			t.Fatal(err)
		}
		_, out, err = e.ImportRows(ctx, "imp", ImportOptions{Status: StatusSubmitted}, []ImportRow{{Row: 9, Record: dup}})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Outcome != OutcomeRejected || out[0].Errors[0].Code != "ambiguous" {
			t.Errorf("ambiguous row: %+v", out[0])
		}
		// Archiving one resolves it.
		if _, err := e.Transition(ctx, "r", b.UID, StatusArchived, "重复登记"); err != nil {
			t.Fatal(err)
		}
		_, out, err = e.ImportRows(ctx, "imp", ImportOptions{Status: StatusSubmitted}, []ImportRow{{Row: 9, Record: dup}})
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Outcome != OutcomeUnchanged || out[0].UID != a.UID {
			t.Errorf("after archiving the duplicate: %+v, want unchanged %s", out[0], a.UID)
		}
		// New records of an import can start as submitted.
		fresh := demoChildren(33, 1)[0]
		_, out, err = e.ImportRows(ctx, "imp", ImportOptions{Status: StatusSubmitted}, []ImportRow{{Row: 2, Record: fresh}})
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := e.Get(ctx, out[0].UID); c == nil || c.Status != StatusSubmitted {
			t.Errorf("imported as submitted: %+v", c)
		}
		if _, err := e.BeginImport(ctx, "imp", ImportOptions{Status: StatusApproved}); errCode(err) != CodeInvalid {
			t.Errorf("import as approved: %v", err)
		}
	})
}

func TestImportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		n := 3000
		recs := demoChildren(34, n)
		res, _, err := e.ImportRows(ctx, "imp", ImportOptions{}, rowsOf(recs))
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != n || res.Rejected != 0 || res.Imported+res.Updated+res.Unchanged != n {
			t.Fatalf("import %+v", res)
		}
		var versions, keys int
		e.read.QueryRow("SELECT count(*) FROM child_versions").Scan(&versions)
		e.read.QueryRow("SELECT count(*) FROM child_keys").Scan(&keys)
		if versions != res.Imported+res.Updated || keys < 3*res.Imported {
			t.Errorf("%d versions, %d blind indexes for %+v", versions, keys, res)
		}
		res2, _, err := e.ImportRows(ctx, "imp", ImportOptions{}, rowsOf(recs))
		if err != nil {
			t.Fatal(err)
		}
		if res2.Imported != 0 || res2.Updated != 0 {
			t.Errorf("re-import of %d rows: %+v", n, res2)
		}
		t.Logf("%d rows: %+v; demo ID numbers repeat %s times", n, res, strconv.Itoa(res.Updated+res.Rejected))
	})
}
