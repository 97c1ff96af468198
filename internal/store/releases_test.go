package store

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/auth"
	"guanai/internal/child"
)

func init() {
	moreObjectRows = append(moreObjectRows, func(e *env, f gateFixture) []objectRow {
		var review, ready string
		if e != nil {
			// One release in review (education and police must sign), one signed and approved.
			r, err := e.CreateRelease(with(statIn), releaseDraft("海勃湾区流动儿童就学和居住登记情况"), []byte(`{"tables":{}}`))
			if err != nil {
				panic(err)
			}
			review = r.UID
			r, err = e.CreateRelease(with(statIn), releaseDraft("海勃湾区流动儿童情况（待发布）"), []byte(`{"tables":{"sex":{}}}`))
			if err != nil {
				panic(err)
			}
			ready = r.UID
			for _, p := range []*auth.Principal{eduIn, polIn} {
				if _, err := e.SignRelease(with(p), ready, false, "同意"); err != nil {
					panic(err)
				}
			}
			for _, p := range []*auth.Principal{revIn, statIn} {
				if _, err := e.ApproveRelease(with(p), ready, "同意"); err != nil {
					panic(err)
				}
			}
		}
		readers := []*auth.Principal{revIn, colIn, eduIn, polIn, healIn, statIn}
		return []objectRow{
			{method: "Releases", call: func(ctx context.Context) (int, error) {
				rs, err := e.Releases(ctx)
				return len(rs), err
			}, allowed: readers},
			{method: "GetRelease", call: func(ctx context.Context) (int, error) { return one(e.GetRelease(ctx, review)) }, allowed: readers},
			{method: "CreateRelease", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.CreateRelease(ctx, releaseDraft("海勃湾区留守儿童情况"), []byte(`{}`)))
			}, allowed: []*auth.Principal{statIn}},
			{method: "SignRelease", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.SignRelease(ctx, review, false, ""))
			}, allowed: []*auth.Principal{eduIn, polIn}},
			{method: "ApproveRelease", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.ApproveRelease(ctx, review, ""))
			}, allowed: []*auth.Principal{revIn, statIn}},
			{method: "PublishRelease", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.PublishRelease(ctx, ready))
			}, allowed: []*auth.Principal{statIn}},
			{method: "WithdrawRelease", mutates: true, call: func(ctx context.Context) (int, error) {
				return one(e.WithdrawRelease(ctx, ready, "数据有误"))
			}, allowed: []*auth.Principal{statIn, revIn}},
		}
	})
}

func with(p *auth.Principal) context.Context { return auth.WithPrincipal(context.Background(), p) }

func releaseDraft(title string) ReleaseDraft {
	return ReleaseDraft{Title: title, Region: "150302", AsOf: child.NewDate(2025, 6, 30), Tables: []string{"sex", "school_stage", "residence_registration"}}
}

// TestReleaseSignOff: the departments come from the tables; a release cannot be published while
// a required department has not signed or objects, nor before civil affairs and statistics
// approve; published, it cannot be signed again; withdrawn, it stays listed; its digest is the
// SM3 of its content.
func TestReleaseSignOff(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		content := []byte(`{"as_of":"2025-06-30","tables":{"sex":{"title":"分性别"}}}`)
		r, err := e.CreateRelease(with(statIn), releaseDraft("海勃湾区流动儿童和留守儿童基本情况"), content)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(r.Departments, ",") != "jiaoyu,gongan" || r.Digest != ContentDigest(content) || len(r.Digest) != 64 {
			t.Fatalf("release %+v", r)
		}
		if _, err := e.CreateRelease(with(revIn), releaseDraft("民政起草"), content); errCode(err) != CodeForbidden {
			t.Errorf("a reviewer drafts: %v", err)
		}
		if _, err := e.CreateRelease(with(statIn), ReleaseDraft{Title: "x", Region: "150302", AsOf: 1, Tables: []string{"sex"}}, content); errCode(err) != CodeInvalid {
			t.Errorf("a one-character title: %v", err)
		}
		publish := func(want string) {
			t.Helper()
			_, err := e.PublishRelease(with(statIn), r.UID)
			if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
				t.Fatalf("publish: %v, want %q", err, want)
			}
		}
		publish("教育部门尚未签署意见")
		if _, err := e.SignRelease(with(healIn), r.UID, false, ""); errCode(err) != CodeForbidden {
			t.Errorf("health signs a release without health data: %v", err)
		}
		if _, err := e.SignRelease(with(eduIn), r.UID, true, ""); errCode(err) != CodeInvalid {
			t.Errorf("an objection without a reason: %v", err)
		}
		if _, err := e.SignRelease(with(eduIn), r.UID, true, "在校人数与学籍系统不一致"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*auth.Principal{revIn, statIn} {
			if _, err := e.ApproveRelease(with(p), r.UID, "同意"); err != nil {
				t.Fatal(err)
			}
		}
		publish("教育部门有异议：在校人数与学籍系统不一致")
		if _, err := e.SignRelease(with(eduIn), r.UID, false, "已核实"); err != nil {
			t.Fatal(err)
		}
		publish("公安部门尚未签署意见")
		got, err := e.SignRelease(with(polIn), r.UID, false, "")
		if err != nil || len(got.Missing()) != 0 {
			t.Fatalf("after the last sign-off: %v %v", got.Missing(), err)
		}
		publish("")
		got, err = e.GetRelease(with(colIn), r.UID)
		if err != nil || got.Status != ReleasePublished || string(got.Content) != string(content) || ContentDigest(got.Content) != got.Digest {
			t.Fatalf("published: %+v %v", got, err)
		}
		if _, err := e.SignRelease(with(polIn), r.UID, true, "撤销同意"); errCode(err) != CodeConflict {
			t.Errorf("signing a published release: %v", err)
		}
		if _, err := e.GetRelease(with(revOut), r.UID); errCode(err) != CodeNotFound {
			t.Errorf("another district: %v", err)
		}
		if _, err := e.WithdrawRelease(with(statIn), r.UID, "数据有误"); err != nil {
			t.Fatal(err)
		}
		list, err := e.Releases(with(eduIn))
		if err != nil || len(list) != 1 || list[0].Status != ReleaseWithdrawn || list[0].WithdrawReason != "数据有误" {
			t.Fatalf("list after withdrawal: %+v %v", list, err)
		}
	})
}
