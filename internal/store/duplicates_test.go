package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"guanai/internal/child"
)

func TestDuplicateIDNumbers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		recs := demoChildren(51, 3)
		first := mustCreate(t, e, recs[0])

		// The same ID number again is refused, naming the record that holds it.
		again := cloneRecord(t, recs[0])
		again.SchoolName = "另一所学校"
		_, err := e.Create(ctx, "other", again, Source{})
		if errCode(err) != CodeConflict {
			t.Fatalf("duplicate create: %v, want conflict", err)
		}
		if se := err.(*Error); !slices.Equal(se.Existing, []string{first.UID}) || se.Fields[0].Field != "id_number" {
			t.Errorf("duplicate error %+v", se)
		}
		// Lower-case x or spaces do not make it another number.
		if strings.HasSuffix(again.IDNumber, "X") {
			again.IDNumber = strings.ToLower(again.IDNumber)
		}
		second, err := e.Create(ctx, "other", again, Source{AllowDuplicate: true})
		if err != nil {
			t.Fatalf("confirmed duplicate: %v", err)
		}
		got, _ := e.Get(ctx, first.UID)
		if !slices.Equal(got.Duplicates, []string{second.UID}) {
			t.Errorf("Get duplicates %v, want %s", got.Duplicates, second.UID)
		}
		groups, err := e.DuplicateGroups(ctx, DuplicateByID, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || !slices.Equal(groups[0], []string{first.UID, second.UID}) {
			t.Errorf("duplicate groups %v", groups)
		}
		if p, _ := e.DuplicateGroups(ctx, DuplicateByPerson, 0, 0); len(p) != 1 {
			t.Errorf("person duplicate groups %v", p)
		}

		// An edit that gives another child this ID number is refused too.
		third := mustCreate(t, e, recs[1])
		r := cloneRecord(t, third.Record)
		r.IDNumber, r.BirthDate, r.Sex = recs[0].IDNumber, recs[0].BirthDate, recs[0].Sex
		if _, err := e.Update(ctx, "x", third.UID, 1, r, Source{}); errCode(err) != CodeConflict {
			t.Errorf("update to a held ID number: %v, want conflict", err)
		}

		// Archiving one ends the duplicate; FindByIDNumber still finds both.
		if _, err := e.Transition(ctx, "r", second.UID, StatusArchived, "重复登记"); err != nil {
			t.Fatal(err)
		}
		if g, _ := e.DuplicateGroups(ctx, DuplicateByID, 0, 0); len(g) != 0 {
			t.Errorf("groups after archiving: %v", g)
		}
		found, err := e.FindByIDNumber(ctx, " "+strings.ToLower(recs[0].IDNumber)+" ")
		if err != nil {
			t.Fatal(err)
		}
		if len(found) != 2 || found[0].UID != first.UID || found[1].Status != StatusArchived {
			t.Errorf("FindByIDNumber: %d records", len(found))
		}
		if _, err := e.FindByIDNumber(ctx, ""); errCode(err) != CodeInvalid {
			t.Errorf("empty ID number: %v", err)
		}
		// Registering again after archiving every holder is allowed.
		if _, err := e.Transition(ctx, "r", first.UID, StatusArchived, "已迁出"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Create(ctx, "x", recs[0], Source{}); err != nil {
			t.Errorf("create after the duplicate was archived: %v", err)
		}
	})
}

// TestConcurrentRegistration: two clients registering the same child at once get one record.
func TestConcurrentRegistration(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		r := demoChildren(52, 1)[0]
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Create(ctx, "c", r, Source{})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch errCode(err) {
			case "":
				ok++
			case CodeConflict:
			default:
				t.Errorf("concurrent create: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d concurrent registrations of one child succeeded, want 1", ok)
		}
	})
}

// TestConcurrentEdits: writers editing different items of one record from the same version all
// succeed, merged; the record ends with every edit and one version per writer.
func TestConcurrentEdits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		r0 := demoChildren(53, 1)[0]
		r0.CollectionMethod = "home_visit"
		c := mustCreate(t, e, r0)
		edits := []func(r *child.Record){
			func(r *child.Record) { r.SchoolName = "甲学校" },
			func(r *child.Record) { r.ReportingUnit = "新华街道" },
			func(r *child.Record) { r.Father.Phone = "13700000001" },
			func(r *child.Record) { r.Mother.Phone = "13700000002" },
			func(r *child.Record) { r.CollectionMethod = "department" },
			func(r *child.Record) { r.ResidenceAddr.Detail = "团结路1号" },
		}
		var wg sync.WaitGroup
		errs := make([]error, len(edits))
		for i, f := range edits {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := cloneRecord(t, c.Record)
				f(&r)
				_, errs[i] = e.Update(ctx, "w", c.UID, 1, r, Source{})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("edit %d: %v", i, err)
			}
		}
		got, _ := e.Get(ctx, c.UID)
		if got.Version != 1+len(edits) || got.Record.SchoolName != "甲学校" || got.Record.Father.Phone != "13700000001" ||
			got.Record.Mother.Phone != "13700000002" || got.Record.ResidenceAddr.Detail != "团结路1号" || got.Record.ReportingUnit != "新华街道" {
			t.Errorf("after concurrent edits: version %d, %+v", got.Version, got.Record)
		}
	})
}

// TestNoPlaintextOnDisk writes children, edits, transitions and a rejected import row, then reads
// every byte of the SQLite database and its WAL: no ID number, phone number, name or detail
// address may appear.
func TestNoPlaintextOnDisk(t *testing.T) {
	e := openSQLiteEnv(t)
	ctx := opCtx()
	recs := demoChildren(54, 30)
	names := []string{"龚翊辰", "闫梓萱", "褚嘉懿", "鄢沐阳", "蔺语桐"}
	var secrets []string
	for i := range recs {
		r := &recs[i]
		r.Name = names[i%len(names)] + string(rune('甲'+i))
		r.ResidenceAddr.Detail = "保密路" + string(rune('一'+i%9)) + "号院"
		r.Caregiver = &child.Caregiver{Present: child.Bool(true), Name: "蔺奶奶" + string(rune('甲'+i)), Phone: "1995555" + pad4(i), Relation: "paternal_grandmother"}
		secrets = append(secrets, r.Name, r.IDNumber, r.Father.Name, r.Father.IDNumber, r.Father.Phone, r.Mother.Name,
			r.Mother.Phone, r.ResidenceAddr.Detail, r.HukouAddress.Detail, r.Caregiver.Name, r.Caregiver.Phone)
	}
	for i, r := range recs[:20] {
		c, err := e.Create(ctx, "collector", r, Source{AllowDuplicate: true, Note: "登记 " + r.Name})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			rr := cloneRecord(t, c.Record)
			rr.Father.Phone = "1886666" + pad4(i)
			secrets = append(secrets, rr.Father.Phone)
			if _, err := e.Update(ctx, "collector", c.UID, 1, rr, Source{Note: "父亲新号码 " + rr.Father.Phone}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Transition(ctx, "collector", c.UID, StatusArchived, "迁出，联系人"+r.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	rows := rowsOf(recs[20:])
	rows[0].Issues.Error("name", "chars", "姓名“"+rows[0].Record.Name+"”含有不允许的字符")
	rows[0].Cells = []string{rows[0].Record.Name, rows[0].Record.IDNumber, "1388888" + pad4(1)}
	secrets = append(secrets, "1388888"+pad4(1))
	if _, _, err := e.ImportRows(ctx, "importer", ImportOptions{}, rows); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(e.path + "*")
	var data []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", filepath.Base(f), len(b))
		data = append(data, b...)
	}
	if len(data) < 100000 {
		t.Fatalf("read only %d bytes from %v", len(data), files)
	}
	check := func(when string) {
		for _, s := range secrets {
			if s != "" && bytes.Contains(data, []byte(s)) {
				t.Errorf("%s: %q is stored in plain text", when, s)
			}
		}
		// Canaries: the scan does find plain text that is stored.
		if !bytes.Contains(data, []byte("collector")) || !bytes.Contains(data, []byte("150302")) {
			t.Fatalf("%s: the scan does not see the plain columns", when)
		}
	}
	check("database and WAL")
	// And after a checkpoint moves the WAL into the database file.
	if _, err := e.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	data = data[:0]
	for _, f := range files {
		b, _ := os.ReadFile(f)
		data = append(data, b...)
	}
	check("after checkpoint")
}

func pad4(i int) string { return fmt.Sprintf("%04d", i) }
