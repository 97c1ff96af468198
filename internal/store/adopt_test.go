package store

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/roster"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		return []objectRow{{method: "AdoptDiscrepancy", mutates: true, call: func(ctx context.Context) (int, error) {
			// ResolveDiscrepancy's row closed the fixture's discrepancy: open it again.
			mustExecErr := func() error {
				_, err := e.write.ExecContext(opCtx(), e.d.bind("UPDATE discrepancies SET status = 'open', resolved_at = NULL WHERE uid = ?"), f.disc)
				return err
			}
			if err := mustExecErr(); err != nil {
				return 0, err
			}
			return one(e.AdoptDiscrepancy(ctx, f.disc, "学校核实"))
		}, allowed: []*auth.Principal{revIn, colIn}}}
	})
}

// TestAdoptDiscrepancy: the school says 辍学 where the record says 在读; the reviewer takes the
// school's value into the record: a new version, its provenance naming the roster, the
// discrepancy closed, both audited. Taking it twice is a conflict.
func TestAdoptDiscrepancy(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		kids := rosterFixture(t, e)
		op := opCtx()
		edu := auth.WithPrincipal(op, principal(auth.RoleOfficer, "150302"))
		rows := parseRows(t, roster.Education, []string{"学生姓名", "身份证号", "学校名称", "年级", "在校状态"},
			[]string{"王小明", rosterID("640104", "20150310", "123"), "乌海市第一小学", "四年级", "辍学"})
		if res, _, err := e.ImportRoster(edu, "", RosterOptions{Department: roster.Education, Roster: "学生名册.xlsx", RosterDate: testDay}, rows); err != nil || res.Discrepancies != 1 {
			t.Fatalf("roster: %+v %v", res, err)
		}
		disc, err := e.Discrepancies(op, DiscrepancyQuery{Kind: DiscContradiction})
		if err != nil || len(disc.Items) != 1 || disc.Items[0].Field != "study_status" {
			t.Fatalf("discrepancies %+v %v", disc, err)
		}
		rev := auth.WithPrincipal(op, principal(auth.RoleReviewer, "150302"))
		before, _ := e.Get(op, kids["a"].UID)
		c, err := e.AdoptDiscrepancy(rev, disc.Items[0].UID, "学校出具证明")
		if err != nil {
			t.Fatal(err)
		}
		if c.Record.StudyStatus != "dropped_out" || c.Version != before.Version+1 || c.Record.SchoolName != before.Record.SchoolName {
			t.Errorf("after adopting: %s v%d %q", c.Record.StudyStatus, c.Version, c.Record.SchoolName)
		}
		prov, err := e.Provenance(op, c.UID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range prov {
			if p.Field == "study_status" && p.Version == c.Version && p.Source.Department == roster.Education && p.Source.Roster == "学生名册.xlsx" && p.Batch != "" {
				found = true
			}
		}
		if !found {
			t.Errorf("provenance %+v", prov)
		}
		if _, err := e.AdoptDiscrepancy(rev, disc.Items[0].UID, ""); errCode(err) != CodeConflict {
			t.Errorf("adopting twice: %v", err)
		}
		if open, _ := e.Discrepancies(op, DiscrepancyQuery{Kind: DiscContradiction}); len(open.Items) != 0 {
			t.Errorf("open discrepancies after adopting: %+v", open.Items)
		}
		page, err := e.AuditEntries(op, AuditQuery{Action: audit.DiscrepancyAdopt})
		if err != nil || page.Total != 1 || !strings.Contains(string(page.Items[0].Detail), "study_status") {
			t.Errorf("audit %+v %v", page, err)
		}
	})
}
