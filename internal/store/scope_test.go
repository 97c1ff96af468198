package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
	"guanai/internal/region"
)

// principal is an account of role at org; the roles that work cases belong to civil affairs
// (民政), the officer to education unless deptPrincipal says otherwise.
func principal(role, org string) *auth.Principal {
	dept := "minzheng"
	if role == auth.RoleOfficer {
		dept = "jiaoyu"
	}
	return deptPrincipal(role, org, dept)
}

func deptPrincipal(role, org, dept string) *auth.Principal {
	name := role + "_" + org
	if dept != "minzheng" && dept != "jiaoyu" {
		name += "_" + dept
	}
	return (&auth.User{ID: 1, Username: name, Roles: []string{role}, Department: dept, OrgCode: org}).Principal()
}

// as is the context of the command line's operator named name (the actor cli:<name>).
func as(name string) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Operator(name))
}

// scopedChild returns a valid record living (and registered) in the village res with hukou in huk.
func scopedChild(t *testing.T, seed uint64, res, huk string) child.Record {
	t.Helper()
	r := demoChildren(seed, 1)[0]
	r.ResidenceAddr = &child.Address{RegionCode: res, Detail: "幸福路1号"}
	r.HukouAddress = &child.Address{RegionCode: huk}
	return r
}

// TestScope checks the jurisdiction rule on every read and write path: a child is visible when
// its residence or its hukou division is in the principal's subtree.
func TestScope(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bg := opCtx()
		const (
			villageA = "150302003012" // 海勃湾区新华街道清泉社区
			wuda     = "150304"
		)
		villageB := region.Default().Children(region.Default().Children("150302")[0].Code)[0].Code
		// Made by the command line (no principal: full access).
		livesA := mustCreateCtx(t, e, bg, scopedChild(t, 1, villageA, "640104")) // migrant child living in A
		wudaVillage := region.Default().Children(region.Default().Children(wuda)[0].Code)[0].Code
		hukouA := mustCreateCtx(t, e, bg, scopedChild(t, 2, wudaVillage, villageA)) // hukou in A, living in 乌达区
		livesB := mustCreateCtx(t, e, bg, scopedChild(t, 3, villageB, villageB))

		colA := auth.WithPrincipal(bg, principal(auth.RoleCollector, villageA))
		district := auth.WithPrincipal(bg, principal(auth.RoleReviewer, "150302"))
		wudaRev := auth.WithPrincipal(bg, principal(auth.RoleReviewer, wuda))
		stat := auth.WithPrincipal(bg, principal(auth.RoleStatistician, "1503"))
		admin := auth.WithPrincipal(bg, principal(auth.RoleSysAdmin, "1503"))

		tests := []struct {
			name string
			ctx  context.Context
			uid  string
			code string // "" = visible
		}{
			{"collector: living in the village", colA, livesA.UID, ""},
			{"collector: hukou in the village", colA, hukouA.UID, ""},
			{"collector: other village", colA, livesB.UID, CodeNotFound},
			{"district: every child of it", district, livesB.UID, ""},
			{"other district: living there", wudaRev, hukouA.UID, ""},
			{"other district: not there", wudaRev, livesA.UID, CodeNotFound},
			{"statistician: no record reads", stat, livesA.UID, CodeForbidden},
			{"system administrator: no children's data", admin, livesA.UID, CodeForbidden},
			{"command line", bg, livesB.UID, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := e.Get(tt.ctx, tt.uid)
				if got := errCode(err); got != tt.code {
					t.Errorf("Get: %q, want %q (%v)", got, tt.code, err)
				}
				_, err = e.History(tt.ctx, tt.uid)
				if got := errCode(err); got != tt.code {
					t.Errorf("History: %q, want %q", got, tt.code)
				}
				_, err = e.Transition(tt.ctx, "x", tt.uid, StatusSubmitted, "")
				if tt.code != "" && errCode(err) != tt.code {
					t.Errorf("Transition: %q, want %q", errCode(err), tt.code)
				}
			})
		}

		// Searching, listing and streaming count only the jurisdiction.
		counts := []struct {
			name string
			ctx  context.Context
			want int
		}{{"collector", colA, 2}, {"district", district, 3}, {"other district", wudaRev, 1}, {"command line", bg, 3}}
		for _, c := range counts {
			p, err := e.Search(c.ctx, Query{Region: "15", RegionOf: RegionEither})
			if err != nil || p.Total != c.want {
				t.Errorf("%s: Search total %d (%v), want %d", c.name, p.Total, err, c.want)
			}
			lp, err := e.List(c.ctx, Query{})
			if err != nil || lp.Total != c.want || len(lp.Items) != c.want {
				t.Errorf("%s: List %d/%d (%v), want %d", c.name, lp.Total, len(lp.Items), err, c.want)
			}
			n := 0
			if err := e.Each(c.ctx, Query{}, func(*Child) error { n++; return nil }); err != nil || n != c.want {
				t.Errorf("%s: Each %d (%v), want %d", c.name, n, err, c.want)
			}
			n = 0
			if err := e.EachSummary(c.ctx, Query{}, func(*Summary) error { n++; return nil }); err != nil || n != c.want {
				t.Errorf("%s: EachSummary %d (%v), want %d", c.name, n, err, c.want)
			}
			found, err := e.FindByIDNumber(c.ctx, livesB.Record.IDNumber)
			if want := map[bool]int{true: 1, false: 0}[c.name == "district" || c.name == "command line"]; err != nil || len(found) != want {
				t.Errorf("%s: FindByIDNumber %d (%v), want %d", c.name, len(found), err, want)
			}
		}
		// The statistician counts the city's children without reading a record.
		n := 0
		if err := e.EachSummary(stat, Query{}, func(*Summary) error { n++; return nil }); err != nil || n != 3 {
			t.Errorf("statistician: EachSummary %d (%v), want 3", n, err)
		}
		if _, err := e.Search(stat, Query{}); errCode(err) != CodeForbidden {
			t.Errorf("statistician: Search %v, want forbidden", err)
		}

		// Writes: a collector registers only children of the village and cannot move one out.
		if _, err := e.Create(colA, "user:c", scopedChild(t, 4, villageB, villageB), Source{}); errCode(err) != CodeForbidden {
			t.Errorf("create outside: %v, want forbidden", err)
		}
		in, err := e.Create(colA, "user:c", scopedChild(t, 5, villageA, "640104"), Source{})
		if err != nil {
			t.Fatalf("create inside: %v", err)
		}
		moved := in.Record
		moved.ResidenceAddr = &child.Address{RegionCode: villageB}
		if _, err := e.Update(colA, "user:c", in.UID, 1, moved, Source{}); errCode(err) != CodeForbidden {
			t.Errorf("update moving the child out: %v, want forbidden", err)
		}
		if _, err := e.Update(colA, "user:c", livesB.UID, 1, livesB.Record, Source{}); errCode(err) != CodeNotFound {
			t.Errorf("update of a child outside: %v, want not_found", err)
		}
	})
}

func mustCreateCtx(t *testing.T, e *env, ctx context.Context, r child.Record) *Child {
	t.Helper()
	c, err := e.Create(ctx, "cli:test", r, Source{AllowDuplicate: true})
	if err != nil {
		t.Fatalf("create: %v %+v", err, err.(*Error).Fields)
	}
	return c
}

// TestImportAndDuplicatesInScope: an import by a principal creates and updates children of its
// jurisdiction only; a duplicate registered elsewhere is reported without naming the record.
func TestImportAndDuplicatesInScope(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		bg := opCtx()
		villageA := "150302003012"
		villageB := region.Default().Children(region.Default().Children("150302")[0].Code)[0].Code
		elsewhere := mustCreateCtx(t, e, bg, scopedChild(t, 7, villageB, villageB))
		colA := auth.WithPrincipal(bg, principal(auth.RoleCollector, villageA))

		moved := elsewhere.Record
		moved.ResidenceAddr = &child.Address{RegionCode: villageA}
		rows := []ImportRow{
			{Row: 2, Record: scopedChild(t, 8, villageA, "640104")},
			{Row: 3, Record: scopedChild(t, 9, villageB, villageB)},
			{Row: 4, Record: moved},
		}
		res, out, err := e.ImportRows(colA, "user:c", ImportOptions{}, rows)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 1 || res.Rejected != 2 {
			t.Fatalf("result %+v", res)
		}
		for i, want := range []string{"", "out_of_scope", "out_of_scope"} {
			got := ""
			if len(out[i].Errors) > 0 {
				got = out[i].Errors[0].Code
			}
			if got != want {
				t.Errorf("row %d: %q, want %q", rows[i].Row, got, want)
			}
		}
		if rej, err := e.ImportRejects(colA, res.Batch); err != nil || len(rej) != 2 {
			t.Errorf("the importer's rejects: %d %v", len(rej), err)
		}
		other := auth.WithPrincipal(bg, principal(auth.RoleCollector, villageB))
		if _, err := e.ImportRejects(other, res.Batch); errCode(err) != CodeNotFound {
			t.Errorf("another user's rejects: %v, want not_found", err)
		}
		if _, _, err := e.ImportRows(auth.WithPrincipal(bg, principal(auth.RoleStatistician, "1503")), "user:s", ImportOptions{}, rows[:1]); errCode(err) != CodeForbidden {
			t.Errorf("a statistician imports: %v", err)
		}
		page, err := e.AuditEntries(bg, AuditQuery{Action: "import"})
		if err != nil || page.Total != 1 || !strings.Contains(string(page.Items[0].Detail), `"rejected":2`) {
			t.Errorf("import audit %+v %v", page, err)
		}

		// Registering the child of village B again from village A: a conflict that does not
		// name the other jurisdiction's record.
		_, err = e.Create(colA, "user:c", moved, Source{})
		var se *Error
		if !errors.As(err, &se) || se.Code != CodeConflict || len(se.Existing) != 0 || !strings.Contains(se.Fields[0].Message, "其他辖区") {
			t.Errorf("duplicate elsewhere: %v", err)
		}
		// The groups of duplicates are those of the jurisdiction.
		if _, err := e.Create(bg, "cli:x", moved, Source{AllowDuplicate: true}); err != nil {
			t.Fatal(err)
		}
		if g, err := e.DuplicateGroups(bg, DuplicateByID, 10, 0); err != nil || len(g) != 1 {
			t.Errorf("command line: %v %v", g, err)
		}
		if g, err := e.DuplicateGroups(colA, DuplicateByID, 10, 0); err != nil || len(g) != 0 {
			t.Errorf("collector of A (one of the two records): %v %v", g, err)
		}
	})
}
