package store

import (
	"context"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/campaign"
	"guanai/internal/child"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		var number string
		if e != nil {
			ns, err := e.IssueBulletins(opCtx(), testDay, 1)
			if err != nil || len(ns) == 0 {
				panic("bulletin fixture: " + errText(err))
			}
			number = ns[0]
		}
		readers := []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}
		return []objectRow{
			{method: "Bulletins", call: func(ctx context.Context) (int, error) {
				bs, err := e.Bulletins(ctx)
				return len(bs), err
			}, allowed: readers},
			{method: "GetBulletin", call: func(ctx context.Context) (int, error) { return one(e.GetBulletin(ctx, number)) }, allowed: readers},
			{method: "IssueBulletins", mutates: true, call: func(ctx context.Context) (int, error) {
				// Next month's: one per campaign of the fixture.
				ns, err := e.IssueBulletins(ctx, child.NewDate(2025, 7, 1), 1)
				return len(ns), err
			}, allowed: []*auth.Principal{}},
		}
	})
}

// TestBulletins: the job issues one bulletin per campaign and month, on or after the day set,
// numbered; a second run the same month issues none; next month's has the change since.
func TestBulletins(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ctx := opCtx()
		c, err := e.CreateCampaign(ctx, "", campaign.Campaign{Name: "2025年摸排", Region: "150302", StartsOn: child.NewDate(2025, 5, 1), Deadlines: deadlinesOf(testDay)})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range demoChildren(5, 20) {
			mustCreate(t, e, r)
		}
		if ns, err := e.IssueBulletins(ctx, child.NewDate(2025, 6, 9), 10); err != nil || len(ns) != 0 {
			t.Fatalf("before the day: %v %v", ns, err)
		}
		ns, err := e.IssueBulletins(ctx, child.NewDate(2025, 6, 10), 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("on the day: %v %v", ns, err)
		}
		if again, err := e.IssueBulletins(ctx, child.NewDate(2025, 6, 20), 10); err != nil || len(again) != 0 {
			t.Fatalf("a second run in June: %v %v", again, err)
		}
		first, err := e.GetBulletin(with(revIn), ns[0])
		if err != nil || first.Seq != 1 || first.CampaignUID != c.UID || first.Report == nil || first.Previous != nil {
			t.Fatalf("first bulletin %+v %v", first, err)
		}
		for _, r := range demoChildren(6, 7) {
			mustCreate(t, e, r)
		}
		ns2, err := e.IssueBulletins(ctx, child.NewDate(2025, 7, 10), 10)
		if err != nil || len(ns2) != 1 {
			t.Fatalf("July: %v %v", ns2, err)
		}
		second, err := e.GetBulletin(with(statIn), ns2[0])
		if err != nil || second.Seq != 2 || second.Previous == nil || second.PreviousNo != ns[0] {
			t.Fatalf("second bulletin %+v %v", second, err)
		}
		if second.Figures.Registered <= second.Previous.Registered {
			t.Errorf("registered %d, before %d: want more", second.Figures.Registered, second.Previous.Registered)
		}
		if _, err := e.IssueBulletins(with(revIn), child.NewDate(2025, 8, 10), 10); errCode(err) != CodeForbidden {
			t.Errorf("a reviewer issues: %v", err)
		}
		if _, err := e.GetBulletin(with(revOut), ns[0]); errCode(err) != CodeNotFound {
			t.Errorf("another district: %v", err)
		}
	})
}
