package store

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/audit"
	"guanai/internal/auth"
	"guanai/internal/child"
)

var colOut = principal(auth.RoleCollector, "150303") // a collector of 海南区

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		var hid int64
		var movedID, stayUID string
		if e != nil {
			// A child of 海勃湾区 with a 迁出 to 海南区 waiting, and one to move out.
			r := plainChild("孙小海", "1", child.NewDate(2014, 4, 4), "150302003")
			r.HukouAddress = &child.Address{RegionCode: "640104"}
			r.IDNumber = makeID("640104", r.BirthDate, true, 77)
			if c, err := e.Create(opCtx(), "", r, Source{}); err == nil {
				movedID = r.IDNumber
				if h, err := e.RequestHandover(opCtx(), c.UID, "150303001", false, "", "随父母迁居"); err == nil {
					hid = h.ID
				}
			}
			if c, err := e.Create(opCtx(), "", plainChild("孙小河", "2", child.NewDate(2013, 3, 3), "150302003"), Source{}); err == nil {
				stayUID = c.UID
			}
		}
		return []objectRow{
			{method: "Handovers", call: func(ctx context.Context) (int, error) {
				hs, err := e.Handovers(ctx, HandoverQuery{Pending: true})
				return len(hs), err
			}, allowed: []*auth.Principal{revIn, colIn, eduIn, polIn, healIn}},
			{method: "DecideHandover", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.DecideHandover(ctx, hid, true, "新居1号", ""))
			}, allowed: []*auth.Principal{revOut}},
			{method: "RequestTransferIn", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.RequestTransferIn(ctx, movedID, "已回到海勃湾区"))
			}, allowed: []*auth.Principal{colIn}},
			{method: "RequestHandover", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.RequestHandover(ctx, stayUID, "150303001", false, "", ""))
			}, allowed: []*auth.Principal{colIn, revIn}},
		}
	})
}

// TestHandover: a child of 海勃湾区 moved to 海南区 and accepted there is held there only, with
// one record and its history; a 申请迁入 after the duplicate warning; a refusal needs a reason;
// a move out of the city archives the record with the destination.
func TestHandover(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		op := opCtx()
		colA := auth.WithPrincipal(op, principal(auth.RoleCollector, "150302"))
		revA := auth.WithPrincipal(op, principal(auth.RoleReviewer, "150302"))
		colB := auth.WithPrincipal(op, colOut)
		revB := auth.WithPrincipal(op, principal(auth.RoleReviewer, "150303"))
		// A migrant child (hukou in 银川): held by the place it lives.
		r := plainChild("周小川", "1", child.NewDate(2015, 5, 5), "150302003")
		r.HukouAddress = &child.Address{RegionCode: "640104"}
		r.IDNumber = makeID("640104", r.BirthDate, true, 5)
		c, err := e.Create(colA, "", r, Source{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.RequestHandover(colA, c.UID, "150302003", false, "", ""); errCode(err) != CodeInvalid {
			t.Errorf("to where it lives: %v", err)
		}
		h, err := e.RequestHandover(colA, c.UID, "150303001", false, "", "随父母迁居海南区")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.RequestHandover(colA, c.UID, "150303001", false, "", ""); errCode(err) != CodeConflict {
			t.Errorf("a second request: %v", err)
		}
		in, err := e.Handovers(revB, HandoverQuery{Incoming: true, Pending: true})
		if err != nil || len(in) != 1 || in[0].Name != "周**" || in[0].Note != "随父母迁居海南区" {
			t.Fatalf("incoming %+v %v", in, err)
		}
		if _, err := e.DecideHandover(revA, h.ID, true, "", ""); errCode(err) != CodeNotFound {
			t.Errorf("decided by the holding side: %v", err)
		}
		if _, err := e.DecideHandover(revB, h.ID, true, "滨河小区3号", "已核实"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Get(colA, c.UID); errCode(err) != CodeNotFound {
			t.Errorf("still visible in A: %v", err)
		}
		moved, err := e.Get(revB, c.UID)
		if err != nil || moved.Record.ResidenceAddr.RegionCode != "150303001" || moved.Version != c.Version+1 || moved.Record.Name != "周小川" {
			t.Fatalf("in B: %+v %v", moved, err)
		}
		hist, err := e.History(revB, c.UID)
		if err != nil || len(hist) < 2 {
			t.Errorf("history %d %v", len(hist), err)
		}
		if page, _ := e.Search(op, Query{Name: "周小川"}); page.Total != 1 {
			t.Errorf("records of the child: %d", page.Total)
		}

		// Registered again in A: the warning names B masked; A asks for the 迁入; B's
		// reviewer cannot decide it, A's refuses without and with a reason.
		_, err = e.Create(colA, "", r, Source{})
		var se *Error
		if errCode(err) != CodeConflict || !asError(err, &se) || !strings.Contains(se.Fields[0].Message, "乌海市海南区") || !strings.Contains(se.Fields[0].Message, "申请迁入") {
			t.Fatalf("duplicate: %v %+v", err, se)
		}
		back, err := e.RequestTransferIn(colA, r.IDNumber, "已搬回海勃湾区")
		if err != nil || back.Direction != HandoverIn || back.ToCode != "150302" {
			t.Fatalf("transfer in: %+v %v", back, err)
		}
		if _, err := e.RequestTransferIn(colB, r.IDNumber, ""); errCode(err) != CodeInvalid && errCode(err) != CodeConflict {
			t.Errorf("transfer into where it is: %v", err)
		}
		if _, err := e.DecideHandover(revB, back.ID, true, "", ""); errCode(err) != CodeNotFound {
			t.Errorf("decided by the holder: %v", err)
		}
		if _, err := e.DecideHandover(revA, back.ID, false, "", ""); errCode(err) != CodeInvalid {
			t.Errorf("refused without a reason: %v", err)
		}
		if d, err := e.DecideHandover(revA, back.ID, false, "", "查无此人"); err != nil || d.Status != HandoverRefused {
			t.Fatalf("refuse: %+v %v", d, err)
		}
		if _, err := e.Get(revB, c.UID); err != nil {
			t.Errorf("after refusal, still in B: %v", err)
		}

		// Out of the city: archived with the destination.
		if _, err := e.RequestHandover(revB, c.UID, "", true, "", ""); errCode(err) != CodeInvalid {
			t.Errorf("out of city without destination: %v", err)
		}
		if _, err := e.RequestHandover(revB, c.UID, "", true, "宁夏银川市兴庆区", ""); err != nil {
			t.Fatal(err)
		}
		gone, _ := e.Get(revB, c.UID)
		if gone.Status != StatusArchived {
			t.Errorf("status %s", gone.Status)
		}
		page, _ := e.AuditEntries(op, AuditQuery{Action: "handover."})
		if page.Total < 5 {
			t.Errorf("handover audit entries: %d", page.Total)
		}
		_ = audit.HandoverDecide
	})
}
