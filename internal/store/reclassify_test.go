package store

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"guanai/internal/child"
	"guanai/internal/idcard"
	"guanai/internal/rules"
)

// makeID returns a valid ID number for a county, a birth date and a sex.
func makeID(county string, birth child.Date, male bool, seq int) string {
	s := seq*2 + 2
	if male {
		s++
	}
	first17 := fmt.Sprintf("%s%04d%02d%02d%03d", county, birth.Year(), birth.Month(), birth.Day(), s%1000)
	return first17 + string(idcard.CheckDigit(first17))
}

// setBirth moves a record's birth date, keeping its ID number consistent.
func setBirth(r *child.Record, b child.Date, seq int) {
	r.BirthDate = b
	r.IDNumber = makeID(r.IDNumber[:6], b, r.Sex == "1", seq)
	if r.LeftHukouDate != 0 && r.LeftHukouDate < b {
		r.LeftHukouDate, r.ArrivedDate = b, b
	}
}

// migrantOnly picks synthetic migrant children (monitoring scope) who are not left-behind.
func migrantOnly(t *testing.T, n int) []child.Record {
	cfg := rules.DefaultConfig()
	var out []child.Record
	for _, r := range demoChildren(41, 400) {
		res := rules.Classify(&r, testDay, &cfg)
		if res.MigrantMonitoring == rules.Yes && res.LeftBehind == rules.No {
			out = append(out, r)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatal("not enough migrant children in the synthetic data")
	return nil
}

func TestReclassifyQueue(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		rs := migrantOnly(t, 3)
		// A turns 16 on 2025-07-10 and is 16 from 2025-07-11.
		a := rs[0]
		setBirth(&a, child.NewDate(2009, 7, 10), 1)
		// B left home on 2025-03-15: six months away on 2025-09-15.
		b := rs[1]
		setBirth(&b, child.NewDate(2015, 1, 20), 2)
		b.LeftHukouDate, b.ArrivedDate = child.NewDate(2025, 3, 15), child.NewDate(2025, 3, 15)
		ca, cb, cc := mustCreate(t, e, a), mustCreate(t, e, b), mustCreate(t, e, rs[2])
		if !ca.Classification.InScope() || cb.Classification.InScope() || !cc.Classification.InScope() {
			t.Fatalf("set-up: in scope a=%v b=%v c=%v", ca.Classification.InScope(), cb.Classification.InScope(), cc.Classification.InScope())
		}
		if cb.Classification.nextCheck != child.NewDate(2025, 9, 15) && cb.Classification.nextCheck > child.NewDate(2025, 9, 15) {
			t.Errorf("next check of b %s, want by 2025-09-15", cb.Classification.nextCheck)
		}

		// Nothing is due today.
		res, err := e.Reclassify(ctx, testDay)
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 0 {
			t.Errorf("reclassify today: %+v, want nothing checked", res)
		}
		res, err = e.Reclassify(ctx, child.NewDate(2025, 7, 11))
		if err != nil {
			t.Fatal(err)
		}
		if res.Queued != 1 || res.Changed < 1 {
			t.Errorf("reclassify 2025-07-11: %+v, want a queued", res)
		}
		got, err := e.Get(ctx, ca.UID)
		if err != nil {
			t.Fatalf("the child who turned 16 is gone: %v", err)
		}
		if got.Classification.InScope() || got.Classification.Age != 16 || got.Classification.AsOf != child.NewDate(2025, 7, 11) {
			t.Errorf("a after 16th birthday: %+v", got.Classification)
		}
		res, err = e.Reclassify(ctx, child.NewDate(2025, 9, 15))
		if err != nil {
			t.Fatal(err)
		}
		if res.Queued != 1 {
			t.Errorf("reclassify 2025-09-15: %+v, want b queued", res)
		}
		// Running again the same day changes nothing and queues nothing.
		res, err = e.Reclassify(ctx, child.NewDate(2025, 9, 15))
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 0 || res.Queued != 0 {
			t.Errorf("second run: %+v", res)
		}

		items, err := e.ReviewQueue(ctx, ReviewQuery{Open: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 || items[0].UID != ca.UID || items[0].Kind != ReviewNoLongerQualifies ||
			items[1].UID != cb.UID || items[1].Kind != ReviewNewlyQualifies {
			t.Fatalf("queue %+v", items)
		}
		if items[0].Detail["migrant_monitoring"] != [2]string{"yes", "no"} || ReviewKindLabel(items[0].Kind) != "不再符合条件" {
			t.Errorf("item detail %+v", items[0].Detail)
		}
		if got, _ := e.ReviewQueue(ctx, ReviewQuery{Open: true, Region: items[1].ResidenceCode[:6], Kind: ReviewNewlyQualifies}); len(got) != 1 {
			t.Errorf("queue by region and kind: %d items", len(got))
		}
		// The reviewer keeps b and archives a; both items are closed.
		if err := e.ResolveReview(as("reviewer"), "reviewer", items[1].ID, "核实：已满六个月，纳入监测"); err != nil {
			t.Fatal(err)
		}
		if err := e.ResolveReview(as("reviewer"), "reviewer", items[1].ID, "again"); errCode(err) != CodeConflict {
			t.Errorf("resolving twice: %v", err)
		}
		if _, err := e.Transition(as("reviewer"), "reviewer", ca.UID, StatusArchived, "已满16周岁"); err != nil {
			t.Fatal(err)
		}
		if open, _ := e.ReviewQueue(ctx, ReviewQuery{Open: true}); len(open) != 0 {
			t.Errorf("open items after review: %+v", open)
		}
		all, _ := e.ReviewQueue(ctx, ReviewQuery{})
		if len(all) != 2 || all[1].Resolution != "核实：已满六个月，纳入监测" || all[1].ResolvedBy != "cli:reviewer" || all[0].Resolved.IsZero() {
			t.Errorf("resolved items %+v", all)
		}

		// An edit that takes a child out of the scope queues it too.
		cur, _ := e.Get(ctx, cc.UID)
		r := cloneRecord(t, cur.Record)
		r.ResidenceAddr = &child.Address{RegionCode: r.HukouAddress.RegionCode, Detail: "回到户籍地"}
		if _, err := e.Update(as("collector"), "collector", cc.UID, cur.Version, r, Source{Note: "已返回户籍地"}); err != nil {
			t.Fatal(err)
		}
		if open, _ := e.ReviewQueue(ctx, ReviewQuery{Open: true, UID: cc.UID}); len(open) != 1 || open[0].Kind != ReviewNoLongerQualifies {
			t.Errorf("queue after moving back: %+v", open)
		}
		// ReclassifyAll looks at every record that is not archived.
		res, err = e.ReclassifyAll(ctx, child.NewDate(2025, 9, 16))
		if err != nil {
			t.Fatal(err)
		}
		if res.Checked != 2 {
			t.Errorf("ReclassifyAll: %+v, want 2 checked", res)
		}
	})
}

// TestNextCheck verifies that no classification changes before the stored next-check date, which
// is what lets Reclassify skip the other records.
func TestNextCheck(t *testing.T) {
	cfg := rules.DefaultConfig()
	rng := rand.New(rand.NewPCG(5, 6))
	recs := demoChildren(42, 400)
	// Also children near their thresholds.
	for i := range 40 {
		r := recs[i]
		r.TCMMgmt036m = "received"
		r.HealthMgmt06 = "received"
		setBirth(&r, testDay.AddDays(-rng.IntN(8*365)), i)
		recs = append(recs, r)
	}
	s := &Store{rules: cfg}
	for i, r := range recs {
		asOf := testDay
		for step := 0; step < 6; step++ {
			c := s.classify(&r, asOf)
			next := c.nextCheck
			end := next
			if end == 0 {
				end = asOf.AddYears(3)
			}
			days := int(end.Time().Sub(asOf.Time()).Hours() / 24)
			for _, d := range []int{1, days - 1, rng.IntN(max(days, 1)), rng.IntN(max(days, 1))} {
				if d <= 0 || d >= days {
					continue
				}
				day := asOf.AddDays(d)
				if got := s.classify(&r, day); !got.sameAnswers(&c) {
					t.Fatalf("record %d: classified %s with next check %s, but %s answers differently:\n%+v\n%+v", i, asOf, next, day, c, got)
				}
			}
			if next == 0 {
				break
			}
			asOf = next
		}
	}
}
